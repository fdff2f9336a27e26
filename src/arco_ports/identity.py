"""Password hashing for ARCO's own sign-in."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash that embeds its own parameters."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; never raises for a mismatch or a malformed hash."""
        ...
