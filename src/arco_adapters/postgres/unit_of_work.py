"""The PostgreSQL unit of work: one pooled connection, scoped by row-level security, with a transaction only
around what changes data.

A client's unit of work runs on the client-serving role's connections under a signed scope (see `scope`);
an every-client one runs on the agency role's connections, which the policies let see every client.

Nothing is sent when a unit starts. Its first statement decides what goes first. A plain read (a SELECT that
neither locks rows nor calls a function of ARCO's that writes) is preceded by the client's scope, one round
trip, and runs outside any transaction: at READ COMMITTED each statement sees what was committed when it
started, in a transaction or not, so reading outside one loses nothing. A statement that writes or locks
starts the transaction; when nothing was sent yet, the start and the scope travel in one text, one round
trip. COMMIT or ROLLBACK is sent only when a transaction was started, and giving the connection back to the
pool sends nothing.

The scope is a session setting, so it stays on the pooled connection after the unit ends. Every client unit
sets its own before its first statement, so no statement of a unit ever runs under another client's scope;
no unit skips setting it because its connection last served the same client. A unit that has ended sends
nothing more, not even through a repository kept past it. Whether the connection's role sees every client anyway,
which would make any scope meaningless, is asked once per physical connection, the first time a client unit
takes it.

The transaction runs at READ COMMITTED, PostgreSQL's default: each statement sees what was committed when it
started, and two statements of one unit may see different states. A plain read therefore promises nothing
about the moment of a later write, and the repositories' rules against lost updates rest on locks and
conditions, not on the isolation level: a unit that changes a row reads it with `get_for_update` (`FOR NO KEY
UPDATE`: a second unit's locking read waits for the first to end, then reads the committed row), and a scan
that sets one flag does so by an `UPDATE ... WHERE` that re-checks its condition on the newest row. No
read-modify-write may rely on a snapshot, as it could under REPEATABLE READ or SERIALIZABLE, which would also
mean retrying serialization failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import Any, Self

from asyncpg import Connection as DriverConnection
from sqlalchemy import Executable, Select, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import ResourceClosedError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import iterate

from arco_adapters.postgres.ad_accounts import PostgresAdAccountArea
from arco_adapters.postgres.audit import PostgresAuditArea
from arco_adapters.postgres.billing import PostgresBillingArea
from arco_adapters.postgres.clients import PostgresClientArea
from arco_adapters.postgres.connections import faults_as_unavailable
from arco_adapters.postgres.dashboard import PostgresDashboardArea
from arco_adapters.postgres.dns_records import PostgresDnsRecordArea
from arco_adapters.postgres.domains import PostgresDomainArea
from arco_adapters.postgres.jobs import PostgresJobArea
from arco_adapters.postgres.metrics import PostgresMetricsArea
from arco_adapters.postgres.monitoring import PostgresMonitoringArea
from arco_adapters.postgres.operations import PostgresOperationsArea
from arco_adapters.postgres.projects import PostgresProjectArea
from arco_adapters.postgres.quotas import PostgresQuotaArea
from arco_adapters.postgres.scope import AGENCY_ROLE, SET_SCOPE, ScopeSigner
from arco_adapters.postgres.storage import PostgresStorageArea
from arco_adapters.postgres.tickets import PostgresTicketArea
from arco_domain.errors import Unavailable
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope

READING_FUNCTIONS = frozenset({"arco_user_by_id", "arco_user_by_email"})
"""ARCO's own database functions that only read. Any other `arco_` function in a SELECT counts as a write."""
_ROLE_CHECKED = "arco.role_sees_one_client"
"""Marks, in a physical connection's info, that its role was found not to see every client."""


def plain_read(statement: Executable) -> bool:
    """Whether `statement` only reads: a SELECT with no row lock, no data-changing part (a CTE's INSERT, say)
    and no call of a function of ARCO's that is not known to only read."""
    if not isinstance(statement, Select):
        return False
    for element in iterate(statement):
        if isinstance(element, UpdateBase) or getattr(element, "_for_update_arg", None) is not None:
            return False
        if isinstance(element, FunctionElement) and _writing_function(getattr(element, "name", "")):
            return False
    return True


def _writing_function(name: str) -> bool:
    return name.startswith("arco_") and name not in READING_FUNCTIONS


class StatementKinds:
    """`plain_read`, worked out once per shape of statement rather than on every run: walking a large SELECT
    takes milliseconds. The shape is SQLAlchemy's cache key, which it computes and keeps on the statement to
    find the compiled form anyway. Past `capacity` shapes (which only statements that write their values into
    their text would reach) it starts over."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._reads: dict[tuple[Any, ...], bool] = {}

    def plain_read(self, statement: Executable) -> bool:
        if not isinstance(statement, Select):
            return False
        shape = statement._generate_cache_key()
        if shape is None:
            return plain_read(statement)
        known = self._reads.get(shape.key)
        if known is None:
            if len(self._reads) >= self._capacity:
                self._reads.clear()
            known = self._reads[shape.key] = plain_read(statement)
        return known


class PostgresUnitSession:
    """The unit's connection as its repositories use it: it sends the scope, and BEGIN, when a statement
    first needs them. The connection is in autocommit mode, so the driver never starts a transaction of its
    own; the one a write needs is started and ended here."""

    def __init__(
        self, connection: AsyncConnection, driver: DriverConnection, scope: _SignedScope | None, kinds: StatementKinds
    ) -> None:
        self._connection = connection
        self._driver = driver
        self._scope = scope
        self._scoped = scope is None
        self._kinds = kinds
        self._ended = False

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None) -> CursorResult[Any]:
        if self._ended:  # the driver's connection may serve another unit by now
            raise ResourceClosedError("the unit of work this repository belongs to has ended")
        if not self._driver.is_in_transaction() and not self._kinds.plain_read(statement):
            await self._begin()
        elif self._scope is not None and not self._scoped:
            await self._connection.execute(SET_SCOPE, self._scope.parameters)
            self._scoped = True
        return await self._connection.execute(statement, parameters)

    async def _begin(self) -> None:
        await self._send("BEGIN" if self._scoped or self._scope is None else self._scope.begin_scoped)
        self._scoped = True

    async def commit(self) -> None:
        if self._driver.is_in_transaction():
            await self._send("COMMIT")

    async def end(self) -> None:
        """Roll back a transaction left open. A connection the server closed took its transaction with it; one
        whose transaction cannot be ended is closed for good rather than given back to the pool inside it."""
        self._ended = True
        if self._driver.is_closed() or not self._driver.is_in_transaction():
            return
        try:
            await self._send("ROLLBACK")
        finally:
            if self._driver.is_in_transaction():
                await self._connection.invalidate()

    async def _send(self, text: str) -> None:
        # asyncpg refuses a connection it already knows closed with an error of its own, before sending.
        if self._driver.is_closed():
            raise Unavailable("the database connection was lost")
        with faults_as_unavailable():
            await self._driver.execute(text)


class _SignedScope:
    """A client's scope, in whichever of its two forms the session sends."""

    def __init__(self, client_id: ClientId, signer: ScopeSigner) -> None:
        self._client_id = client_id
        self._signer = signer

    @cached_property
    def parameters(self) -> dict[str, str]:
        return self._signer.scope_parameters(self._client_id)

    @cached_property
    def begin_scoped(self) -> str:
        return self._signer.begin_scoped(self._client_id)


class PostgresUnitOfWork(
    PostgresClientArea,
    PostgresProjectArea,
    PostgresDomainArea,
    PostgresDnsRecordArea,
    PostgresTicketArea,
    PostgresStorageArea,
    PostgresQuotaArea,
    PostgresAuditArea,
    PostgresMetricsArea,
    PostgresAdAccountArea,
    PostgresOperationsArea,
    PostgresMonitoringArea,
    PostgresBillingArea,
    PostgresJobArea,
    PostgresDashboardArea,
):
    def __init__(self, engine: AsyncEngine, scope: DataScope, signer: ScopeSigner, kinds: StatementKinds) -> None:
        self._engine = engine
        self._scope = scope
        self._signer = signer
        self._kinds = kinds
        self._connection: AsyncConnection | None = None
        self._session: PostgresUnitSession | None = None

    async def __aenter__(self) -> Self:
        with faults_as_unavailable():
            self._connection = connection = await self._engine.connect()
        client_id = self._scope.client_id
        try:
            with faults_as_unavailable():
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                if client_id is not None:
                    await self._refuse_a_role_that_sees_every_client(connection)
                driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None, "a connection taken from the pool has its driver's connection"
            scope = None if client_id is None else _SignedScope(client_id, self._signer)
            self._session = PostgresUnitSession(connection, driver, scope, self._kinds)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                await self._session.end()
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._connection = self._session = None
            self._forget_repositories()

    @staticmethod
    async def _refuse_a_role_that_sees_every_client(connection: AsyncConnection) -> None:
        """A role that sees every client would make any scope meaningless. Roles are fixed per login, so each
        physical connection is asked once."""
        if connection.info.get(_ROLE_CHECKED):
            return
        if await connection.scalar(select(func.pg_has_role(AGENCY_ROLE, "MEMBER"))):
            raise Unavailable(f"the client-serving database role must not be a member of {AGENCY_ROLE}")
        connection.info[_ROLE_CHECKED] = True

    async def commit(self) -> None:
        assert self._session is not None, "commit outside the unit of work"
        await self._session.commit()


class PostgresUnitOfWorkFactory:
    """Client scopes run on `engine` (the client-serving role), every-client scopes on `agency_engine`."""

    def __init__(self, engine: AsyncEngine, agency_engine: AsyncEngine, scope_key: str) -> None:
        self.engine = engine
        self.agency_engine = agency_engine
        self._signer = ScopeSigner(scope_key)
        self._kinds = StatementKinds()

    def __call__(self, scope: DataScope) -> PostgresUnitOfWork:
        engine = self.agency_engine if scope.client_id is None else self.engine
        return PostgresUnitOfWork(engine, scope, self._signer, self._kinds)
