"""`PostgresAccountGate`: the per-account cap on concurrent platform calls, shared by every worker process.

An account has `slots_per_account` slots, each a PostgreSQL advisory lock keyed on the account and the slot
number. `hold` tries the slots in turn; when all are taken it gives its connection back to the pool, waits
`poll_interval` seconds and tries again. There is no queue: a later caller may be served first.

The locks are session locks, not transaction locks, because a hold spans several HTTP calls to the
platform: a transaction-scoped lock would keep a transaction open and idle for all that time, holding back
vacuum and liable to be cut by `idle_in_transaction_session_timeout`. The holding connection runs in
autocommit, so no transaction stays open, and the lock lasts until `pg_advisory_unlock` or until the
session ends, so a worker that dies mid-hold frees its slot when its connection drops. Session locks need a
direct or session-pooled connection; behind a transaction-pooling proxy they would guard nothing.

Keys use the two-`int4` form of the advisory lock functions, `(hash of platform and account, slot)`, which
PostgreSQL keeps apart from the one-`bigint` form the scheduled runs lock with, so the two never collide.
The hash is 32 bits of a SHA-256, the same in every process; two accounts that happen to share it share
one set of slots, which slows them down a little and breaks nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_domain.errors import Unavailable

LockKey = tuple[int, int]

_KEY_NAMESPACE = "arco.account-gate"


def _account_key(platform: str, account_id: str) -> int:
    digest = hashlib.sha256("\x00".join((_KEY_NAMESPACE, platform, account_id)).encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


async def _discard(connection: AsyncConnection) -> None:
    """Close the connection's session instead of pooling it: the server then drops every lock it held."""
    try:
        await connection.invalidate()
    finally:
        await connection.close()


class PostgresAccountGate:
    """At most `slots_per_account` holds at once per (platform, account), counted over every process that
    shares the database; satisfies `AccountGate`."""

    def __init__(self, engine: AsyncEngine, slots_per_account: int = 2, poll_interval: float = 0.2) -> None:
        if slots_per_account < 1:
            raise ValueError("an account needs at least one slot")
        if poll_interval <= 0:
            raise ValueError("the poll interval must be positive")
        self._engine = engine
        self._slots = slots_per_account
        self._poll_interval = poll_interval

    @asynccontextmanager
    async def hold(self, platform: str, account_id: str) -> AsyncIterator[None]:
        """Wait for one of the account's slots and hold it for the block. The slot is released however the
        block ends, raising or cancelled; raises `Unavailable` when the database cannot be reached."""
        account_key = _account_key(platform, account_id)
        keys = [(account_key, slot) for slot in range(self._slots)]
        while (taken := await self._try_slots(keys)) is None:
            await asyncio.sleep(self._poll_interval)
        connection, key = taken
        try:
            yield
        finally:
            await self._release(connection, key)

    async def _try_slots(self, keys: Sequence[LockKey]) -> tuple[AsyncConnection, LockKey] | None:
        """A connection holding the first free slot among `keys`; None, with the connection back in the
        pool, when every slot is taken."""
        try:
            connection = await self._engine.connect()
        except (OSError, OperationalError, InterfaceError) as error:
            raise Unavailable("the database could not be reached") from error
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for key in keys:
                if await connection.scalar(select(func.pg_try_advisory_lock(*key))):
                    return connection, key
        except BaseException:
            # A lock request cut short (cancelled, the connection lost) may have been granted all the same;
            # only ending the session makes sure no lock is left that nobody would release.
            await _discard(connection)
            raise
        await connection.close()
        return None

    async def _release(self, connection: AsyncConnection, key: LockKey) -> None:
        try:
            await connection.execute(select(func.pg_advisory_unlock(*key)))
        except BaseException:
            # Back in the pool, a connection whose unlock failed would keep the slot taken for good.
            await _discard(connection)
            raise
        await connection.close()
