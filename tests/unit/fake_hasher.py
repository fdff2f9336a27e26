"""A fast, transparent stand-in for the password hasher: it records what it was asked to check."""

from __future__ import annotations


class RecordingHasher:
    def __init__(self) -> None:
        self.hashed: list[str] = []
        self.verified: list[tuple[str | None, str]] = []

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        return "plain:" + password

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append((password_hash, password))
        return password_hash == "plain:" + password
