"""The PostgreSQL unit of work: one connection, one transaction, scoped by row-level security.

A client's unit of work runs on the client-serving role's connections under a signed scope (see `scope`);
an every-client one runs on the agency role's connections, which the policies let see every client.

The transaction runs at READ COMMITTED, PostgreSQL's default: each statement sees what was committed when
it started, and two statements of one unit may see different states. A plain read therefore promises
nothing about the moment of a later write, and the repositories' rules against lost updates rest on locks
and conditions, not on the isolation level: a unit that changes a row reads it with `get_for_update`
(`FOR NO KEY UPDATE`: a second unit's locking read waits for the first to end, then reads the committed
row), and a scan that sets one flag does so by an `UPDATE ... WHERE` that re-checks its condition on the
newest row. No read-modify-write may rely on a snapshot, as it could under REPEATABLE READ or
SERIALIZABLE, which would also mean retrying serialization failures.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

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
from arco_adapters.postgres.scope import AGENCY_ROLE, CLIENT_SETTING, MAC_SETTING, ScopeSigner
from arco_adapters.postgres.storage import PostgresStorageArea
from arco_adapters.postgres.tickets import PostgresTicketArea
from arco_domain.errors import Unavailable
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope


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
    def __init__(self, engine: AsyncEngine, scope: DataScope, signer: ScopeSigner) -> None:
        self._engine = engine
        self._scope = scope
        self._signer = signer
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        with faults_as_unavailable():
            self._connection = connection = await self._engine.connect()
        client_id = self._scope.client_id
        try:
            with faults_as_unavailable():
                self._transaction = await connection.begin()
                if client_id is not None:
                    await self._set_signed_scope(connection, client_id)
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
            if self._transaction is not None and self._transaction.is_active:
                with faults_as_unavailable():
                    await self._transaction.rollback()
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._connection = self._transaction = None
            self._forget_repositories()

    async def _set_signed_scope(self, connection: AsyncConnection, client_id: ClientId) -> None:
        """Name the client with its MAC in the one statement a client's unit of work starts with.

        Transaction-local settings: they vanish at commit or rollback, so a pooled connection never carries
        one request's client into the next. The same statement asks whether the connection's role sees every
        client anyway, which would make the scope meaningless: such a connection is refused.
        """
        opened = await connection.execute(
            select(
                func.set_config(CLIENT_SETTING, str(client_id), True),
                func.set_config(MAC_SETTING, self._signer.mac(client_id), True),
                func.pg_has_role(AGENCY_ROLE, "MEMBER").label("sees_every_client"),
            )
        )
        if opened.one().sees_every_client:
            raise Unavailable(f"the client-serving database role must not be a member of {AGENCY_ROLE}")

    async def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        with faults_as_unavailable():
            await self._transaction.commit()


class PostgresUnitOfWorkFactory:
    """Client scopes run on `engine` (the client-serving role), every-client scopes on `agency_engine`."""

    def __init__(self, engine: AsyncEngine, agency_engine: AsyncEngine, scope_key: str) -> None:
        self.engine = engine
        self.agency_engine = agency_engine
        self._signer = ScopeSigner(scope_key)

    def __call__(self, scope: DataScope) -> PostgresUnitOfWork:
        engine = self.agency_engine if scope.client_id is None else self.engine
        return PostgresUnitOfWork(engine, scope, self._signer)
