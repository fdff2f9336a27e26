from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import QueuePool, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.ads.pacing import AccountGate
from arco_adapters.postgres.account_gate import PostgresAccountGate
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_domain.errors import Unavailable
from tests.integration.conftest import APP_ROLE

PLATFORM = "google_ads"
ACCOUNT = "1234567890"
POLL = 0.01
WAIT_LIMIT = 5.0


@pytest.fixture
async def other_engine(postgres: EmbeddedPostgres, database: str) -> AsyncIterator[AsyncEngine]:
    """A second engine with its own pool, as a second worker process would have."""
    engine = create_async_engine(postgres.url(user=APP_ROLE, database=database))
    yield engine
    await engine.dispose()


def unused_engine(tmp_path: Path) -> AsyncEngine:
    return create_async_engine(f"postgresql+asyncpg://{APP_ROLE}@/arco?host={tmp_path}/no-such-socket")


def gate(engine: AsyncEngine, slots: int = 2) -> AccountGate:
    return PostgresAccountGate(engine, slots_per_account=slots, poll_interval=POLL)


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_LIMIT):
        while not condition():
            await asyncio.sleep(POLL)


async def advisory_locks(engine: AsyncEngine) -> list[tuple[int, int, int]]:
    """`(classid, objid, objsubid)` of the advisory locks held in the engine's database."""
    query = text(
        "SELECT classid::int8, objid::int8, objsubid FROM pg_locks"
        " WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with engine.connect() as connection:
        return [(row[0], row[1], row[2]) for row in await connection.execute(query)]


async def no_locks_left(engine: AsyncEngine) -> None:
    # A discarded connection's session ends a moment after the client closes it.
    async with asyncio.timeout(WAIT_LIMIT):
        while await advisory_locks(engine):
            await asyncio.sleep(POLL)


@dataclass
class Visits:
    """How many holders are inside at once, the most there ever were, and who came and went in order."""

    inside: int = 0
    peak: int = 0
    log: list[str] = field(default_factory=list)

    async def stay(self, gate: AccountGate, name: str, leave: asyncio.Event, account: str = ACCOUNT) -> None:
        async with gate.hold(PLATFORM, account):
            self.inside += 1
            self.peak = max(self.peak, self.inside)
            self.log.append(f"{name} in")
            try:
                await leave.wait()
            finally:
                self.inside -= 1
                self.log.append(f"{name} out")


class TestPostgresAccountGate:
    async def test_a_third_holder_waits_until_one_of_two_leaves(self, app_engine: AsyncEngine) -> None:
        shared, visits = gate(app_engine), Visits()
        leave = {name: asyncio.Event() for name in "abc"}
        first = [asyncio.create_task(visits.stay(shared, name, leave[name])) for name in "ab"]
        await until(lambda: visits.inside == 2)
        third = asyncio.create_task(visits.stay(shared, "c", leave["c"]))
        await asyncio.sleep(POLL * 10)
        assert "c in" not in visits.log

        leave["a"].set()
        await until(lambda: "c in" in visits.log)
        assert visits.log.index("a out") < visits.log.index("c in")
        for event in leave.values():
            event.set()
        await asyncio.gather(*first, third)
        assert visits.peak == 2
        await no_locks_left(app_engine)

    async def test_gates_on_separate_engines_share_the_cap(
        self, app_engine: AsyncEngine, other_engine: AsyncEngine
    ) -> None:
        one, two, visits = gate(app_engine), gate(other_engine), Visits()
        leave = {name: asyncio.Event() for name in "abc"}
        holders = [
            asyncio.create_task(visits.stay(one, "a", leave["a"])),
            asyncio.create_task(visits.stay(two, "b", leave["b"])),
        ]
        await until(lambda: visits.inside == 2)
        holders.append(asyncio.create_task(visits.stay(one, "c", leave["c"])))
        await asyncio.sleep(POLL * 10)
        assert "c in" not in visits.log

        leave["b"].set()
        await until(lambda: "c in" in visits.log)
        assert visits.log.index("b out") < visits.log.index("c in")
        for event in leave.values():
            event.set()
        await asyncio.gather(*holders)
        assert visits.peak == 2

    async def test_other_accounts_do_not_wait_for_a_full_one(
        self, app_engine: AsyncEngine, other_engine: AsyncEngine
    ) -> None:
        visits, leave = Visits(), asyncio.Event()
        busy = asyncio.create_task(visits.stay(gate(app_engine, slots=1), "busy", leave))
        await until(lambda: visits.inside == 1)
        async with asyncio.timeout(WAIT_LIMIT):
            async with gate(other_engine, slots=1).hold(PLATFORM, "9876543210"):
                pass
            async with gate(other_engine, slots=1).hold("meta_ads", ACCOUNT):
                pass
        leave.set()
        await busy

    async def test_a_block_that_raises_frees_its_slot(self, app_engine: AsyncEngine, other_engine: AsyncEngine) -> None:
        with pytest.raises(RuntimeError, match="platform refused"):
            async with gate(app_engine, slots=1).hold(PLATFORM, ACCOUNT):
                raise RuntimeError("platform refused")
        async with asyncio.timeout(WAIT_LIMIT), gate(other_engine, slots=1).hold(PLATFORM, ACCOUNT):
            pass
        await no_locks_left(app_engine)

    async def test_a_cancelled_holder_frees_its_slot(self, app_engine: AsyncEngine, other_engine: AsyncEngine) -> None:
        visits = Visits()
        holder = asyncio.create_task(visits.stay(gate(app_engine, slots=1), "holder", asyncio.Event()))
        await until(lambda: visits.inside == 1)
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
        async with asyncio.timeout(WAIT_LIMIT), gate(other_engine, slots=1).hold(PLATFORM, ACCOUNT):
            pass
        await no_locks_left(app_engine)

    async def test_a_waiter_cancelled_while_waiting_leaves_no_lock_behind(self, app_engine: AsyncEngine) -> None:
        shared, visits = gate(app_engine, slots=1), Visits()
        leave = asyncio.Event()
        holder = asyncio.create_task(visits.stay(shared, "holder", leave))
        await until(lambda: visits.inside == 1)
        waiter = asyncio.create_task(visits.stay(shared, "waiter", asyncio.Event()))
        await asyncio.sleep(POLL * 10)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        leave.set()
        await holder
        assert visits.log == ["holder in", "holder out"]
        await no_locks_left(app_engine)

    async def test_a_hold_keeps_no_transaction_open_and_returns_its_connection(self, app_engine: AsyncEngine) -> None:
        idle_in_transaction = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
        )
        async with gate(app_engine).hold(PLATFORM, ACCOUNT):
            assert len(await advisory_locks(app_engine)) == 1
            async with app_engine.connect() as connection:
                assert await connection.scalar(idle_in_transaction) == 0
        pool = app_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0
        assert await advisory_locks(app_engine) == []

    async def test_slot_locks_never_collide_with_one_key_locks(self, app_engine: AsyncEngine) -> None:
        async with gate(app_engine).hold(PLATFORM, ACCOUNT):
            ((high, low, kind),) = await advisory_locks(app_engine)
            assert kind == 2  # the two-int4 form; the one-bigint form is kind 1
            same_numbers = ((high << 32) | low) - (1 << 64 if high >= 1 << 31 else 0)
            async with app_engine.connect() as connection:
                assert await connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": same_numbers})

    async def test_an_unreachable_database_is_reported_as_unavailable(self, tmp_path: Path) -> None:
        engine = unused_engine(tmp_path)
        try:
            with pytest.raises(Unavailable):
                async with gate(engine).hold(PLATFORM, ACCOUNT):
                    pass
        finally:
            await engine.dispose()


class TestConfiguration:
    def test_an_account_needs_a_slot(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="at least one slot"):
            PostgresAccountGate(unused_engine(tmp_path), slots_per_account=0)

    def test_polling_needs_a_positive_interval(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="positive"):
            PostgresAccountGate(unused_engine(tmp_path), poll_interval=0)
