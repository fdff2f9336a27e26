"""Grants are kept sealed: what is sealed opens to itself, under any key still configured, and nothing else opens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_adapters.security.secret_box import FernetSecretBox, new_key
from arco_domain.errors import ProviderError

KEY, OLD_KEY = new_key(), new_key()


class TestFernetSecretBox:
    @given(st.text())
    def test_what_is_sealed_opens_to_itself(self, secret: str) -> None:
        box = FernetSecretBox([KEY])
        assert box.open(box.seal(secret)) == secret

    def test_the_sealed_bytes_do_not_hold_the_secret(self) -> None:
        token = "1//0gLq3-refresh-token-Zk9"
        sealed = FernetSecretBox([KEY]).seal(token)
        assert token.encode() not in sealed and b"refresh" not in sealed

    def test_sealing_twice_gives_different_bytes(self) -> None:
        box = FernetSecretBox([KEY])
        assert box.seal("1//0refresh-token") != box.seal("1//0refresh-token")

    def test_an_old_key_still_opens_while_the_new_one_seals(self) -> None:
        sealed_before = FernetSecretBox([OLD_KEY]).seal("EAAB-meta-token")
        rotated = FernetSecretBox([KEY, OLD_KEY])
        assert rotated.open(sealed_before) == "EAAB-meta-token"
        assert FernetSecretBox([KEY]).open(rotated.seal("new")) == "new"

    def test_a_grant_sealed_under_an_unknown_key_or_altered_does_not_open(self) -> None:
        sealed = FernetSecretBox([OLD_KEY]).seal("secret")
        with pytest.raises(ProviderError):
            FernetSecretBox([KEY]).open(sealed)
        altered = sealed[:-2] + bytes([sealed[-2] ^ 1]) + sealed[-1:]
        with pytest.raises(ProviderError):
            FernetSecretBox([OLD_KEY]).open(altered)

    @pytest.mark.parametrize("keys", [[], ["not-a-key"], ["é" * 44]])
    def test_a_box_without_a_usable_key_is_refused_at_start(self, keys: list[str]) -> None:
        with pytest.raises(ValueError):
            FernetSecretBox(keys)
