"""`FernetSecretBox`: the `SecretBox` port on Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`).

Several keys make key rotation possible without downtime: the first key seals, every key opens. To rotate,
put a new key first: new grants are sealed with it while the old ones still open; drop the old key once the
accounts sealed under it have been connected again.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from arco_domain.errors import ProviderError


def new_key() -> str:
    """A fresh random key in Fernet's encoding (32 bytes, URL-safe base64)."""
    return Fernet.generate_key().decode("ascii")


class FernetSecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("the secret box needs at least one key")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError) as error:
            raise ValueError("each secrets key must be 32 bytes in URL-safe base64, as `new_key` makes") from error

    def seal(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode("utf-8"))

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode("utf-8")
        except InvalidToken:
            raise ProviderError("a stored credential cannot be opened with the configured secrets keys") from None
