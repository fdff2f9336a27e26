"""Memory record of scheduled runs, for one process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime


class MemoryScheduledRuns:
    def __init__(self) -> None:
        self.done: set[tuple[str, datetime]] = set()
        self._running: set[tuple[str, datetime]] = set()

    @asynccontextmanager
    async def once(self, job: str, tick: datetime) -> AsyncIterator[bool]:
        key = (job, tick)
        if key in self.done or key in self._running:
            yield False
            return
        self._running.add(key)
        try:
            yield True
            self.done.add(key)
        finally:
            self._running.discard(key)
