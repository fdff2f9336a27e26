"""Password hashing for ARCO's own sign-in."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """A deliberately slow hash. Implementations keep the work off the event loop and bound how much runs at once."""

    async def hash(self, password: str) -> str:
        """A salted, slow hash that embeds its own parameters."""
        ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; never raises for a mismatch or a malformed hash.

        With no hash (an unknown account, or one that signs in elsewhere) it spends the same work on a hash made
        once at start and answers `False`, so the answer's timing does not tell the two apart.
        """
        ...
