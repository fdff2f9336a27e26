"""Holding one unit of work open at its commit while another runs into its row locks, on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import asyncpg

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_domain.model.access import DataScope
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

LOCK_WAIT_POLLS, LOCK_WAIT_POLL_SECONDS = 200, 0.05
First, Second = TypeVar("First"), TypeVar("Second")


class HeldAtCommit:
    """A unit-of-work factory whose units stop at `commit()`, their transaction open and their row locks held,
    until the test releases them."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner
        self.arrived, self.released = asyncio.Event(), asyncio.Event()

    def __call__(self, scope: DataScope) -> _HeldUnit:
        return _HeldUnit(self._inner(scope), self)


class _HeldUnit:
    def __init__(self, inner: UnitOfWork, factory: HeldAtCommit) -> None:
        self._inner, self._factory = inner, factory

    async def __aenter__(self) -> _HeldUnit:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, traceback)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def commit(self) -> None:
        self._factory.arrived.set()
        await self._factory.released.wait()
        await self._inner.commit()


async def a_session_waits_for_a_lock(postgres: EmbeddedPostgres, database: str) -> None:
    """Return once a session of `database` waits for a lock; fail after ten seconds without one."""
    superuser = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
    try:
        for _ in range(LOCK_WAIT_POLLS):
            waiting = await superuser.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if waiting:
                return
            await asyncio.sleep(LOCK_WAIT_POLL_SECONDS)
    finally:
        await superuser.close()
    raise AssertionError("no session came to wait for another's row lock")


async def second_waits_for_first(
    uow: UnitOfWorkFactory,
    postgres: EmbeddedPostgres,
    database: str,
    first: Callable[[UnitOfWorkFactory], Awaitable[First]],
    second: Callable[[UnitOfWorkFactory], Awaitable[Second]],
) -> tuple[First, Second]:
    """Run `first` on units held at their commit; once it is there, run `second`, wait until it waits for a
    lock `first` holds, then let `first` commit. Both results, once both are done."""
    held = HeldAtCommit(uow)
    first_run = asyncio.create_task(first(held))
    arrival = asyncio.create_task(held.arrived.wait())
    await asyncio.wait((first_run, arrival), return_when=asyncio.FIRST_COMPLETED)
    if first_run.done():
        arrival.cancel()
        raise AssertionError(f"the first use-case ended without committing: {first_run.result()!r}")
    second_run = asyncio.create_task(second(uow))
    await a_session_waits_for_a_lock(postgres, database)
    held.released.set()
    return await asyncio.gather(first_run, second_run)
