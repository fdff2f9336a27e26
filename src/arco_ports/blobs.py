"""Blob storage for client files."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol


class BlobStore(Protocol):
    async def put(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int:
        """Store the stream under `key` and return its size. A stream longer than `max_bytes` is
        refused with `ValidationError` and leaves nothing stored."""
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; `NotFound` if absent."""
        ...

    async def delete(self, key: str) -> None:
        """Deleting an absent key succeeds."""
        ...
