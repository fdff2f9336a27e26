"""A cap on concurrent calls per ad account, so a platform's per-account limits are not spent by many
callers at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class AccountGate(Protocol):
    def hold(self, platform: str, account_id: str) -> AbstractAsyncContextManager[None]:
        """Wait for one of the account's slots and hold it for the block."""
        ...


class LocalAccountGate:
    """Slots within one process: right for tests and a single worker; `PostgresAccountGate` spans workers."""

    def __init__(self, slots_per_account: int = 2) -> None:
        self._slots = slots_per_account
        self._semaphores: dict[tuple[str, str], asyncio.Semaphore] = {}

    @asynccontextmanager
    async def hold(self, platform: str, account_id: str) -> AsyncIterator[None]:
        semaphore = self._semaphores.setdefault((platform, account_id), asyncio.Semaphore(self._slots))
        async with semaphore:
            yield
