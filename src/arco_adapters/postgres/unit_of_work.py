"""The PostgreSQL unit of work: one connection, one transaction, scoped by row-level security."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from arco_adapters.postgres.ad_accounts import PostgresAdAccountRepository
from arco_adapters.postgres.billing import PostgresProcessedEventLog
from arco_adapters.postgres.dns_records import PostgresDnsDriftRepository, PostgresDnsRecordRepository
from arco_adapters.postgres.jobs import PostgresJobQueue
from arco_adapters.postgres.metrics import PostgresCampaignRepository, PostgresMetricsRepository
from arco_adapters.postgres.monitoring import PostgresUptimeMonitorRepository
from arco_adapters.postgres.operations import PostgresIncidentRepository, PostgresInfrastructureRepository
from arco_adapters.postgres.repositories import (
    PostgresAuditLog,
    PostgresClientRepository,
    PostgresDomainRepository,
    PostgresMemberRepository,
    PostgresMilestoneRepository,
    PostgresProjectRepository,
    PostgresQuotaLedger,
    PostgresStorageRepository,
    PostgresTicketRepository,
    PostgresUserRepository,
)
from arco_domain.errors import Unavailable
from arco_domain.model.access import DataScope


class PostgresUnitOfWork:
    def __init__(self, engine: AsyncEngine, scope: DataScope) -> None:
        self._engine = engine
        self._scope = scope
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        try:
            self._connection = connection = await self._engine.connect()
        except (OSError, OperationalError, InterfaceError) as error:
            raise Unavailable("the database could not be reached") from error
        self._transaction = await connection.begin()
        # Transaction-local settings: they vanish at commit or rollback, so a pooled connection never
        # carries one request's client into the next.
        client = "" if self._scope.client_id is None else str(self._scope.client_id)
        everyone = "on" if self._scope.client_id is None else "off"
        await connection.execute(
            select(
                func.set_config("arco.client_id", client, True),
                func.set_config("arco.all_clients", everyone, True),
            )
        )
        self.clients = PostgresClientRepository(connection)
        self.jobs = PostgresJobQueue(connection)
        self.processed_events = PostgresProcessedEventLog(connection)
        self.users = PostgresUserRepository(connection)
        self.members = PostgresMemberRepository(connection)
        self.projects = PostgresProjectRepository(connection)
        self.milestones = PostgresMilestoneRepository(connection)
        self.domains = PostgresDomainRepository(connection)
        self.dns_records = PostgresDnsRecordRepository(connection)
        self.dns_drift = PostgresDnsDriftRepository(connection)
        self.tickets = PostgresTicketRepository(connection)
        self.storage = PostgresStorageRepository(connection)
        self.quotas = PostgresQuotaLedger(connection)
        self.audit = PostgresAuditLog(connection)
        self.campaigns = PostgresCampaignRepository(connection)
        self.ad_accounts = PostgresAdAccountRepository(connection)
        self.metrics = PostgresMetricsRepository(connection)
        self.infrastructure = PostgresInfrastructureRepository(connection)
        self.incidents = PostgresIncidentRepository(connection)
        self.uptime_monitors = PostgresUptimeMonitorRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._connection = self._transaction = None

    async def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        await self._transaction.commit()


class PostgresUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, scope: DataScope) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.engine, scope)
