"""The unit of work: one transaction over every repository, scoped to the rows it may touch."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from arco_domain.model.access import DataScope
from arco_ports.ad_accounts import AdAccountRepository
from arco_ports.billing import ProcessedEventLog
from arco_ports.dns_records import DnsDriftRepository, DnsRecordRepository
from arco_ports.jobs import JobQueue
from arco_ports.metrics import MetricsRepository
from arco_ports.monitoring import UptimeMonitorRepository
from arco_ports.operations import IncidentRepository, InfrastructureRepository
from arco_ports.repositories import (
    AuditLog,
    CampaignRepository,
    ClientRepository,
    DomainRepository,
    MemberRepository,
    MilestoneRepository,
    ProjectRepository,
    QuotaLedger,
    StorageRepository,
    TicketRepository,
    UserRepository,
)


class UnitOfWork(Protocol):
    """An async context manager around one transaction.

    Nothing is durable until `commit()`; leaving the block without committing (or by an exception)
    rolls every change back, quota admissions included. Quota admission and the insert it guards
    happen in the same unit, so a rolled-back create never counts. Only rows within its `DataScope`
    are visible; an adapter enforces that independently of the repositories' own filters when it can.
    Once a repository has raised, the unit may only be left: a database aborts the transaction then.
    """

    # Read-only properties, so an adapter may expose its own repository classes (covariance).
    @property
    def clients(self) -> ClientRepository: ...

    @property
    def jobs(self) -> JobQueue: ...

    @property
    def processed_events(self) -> ProcessedEventLog: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def projects(self) -> ProjectRepository: ...

    @property
    def milestones(self) -> MilestoneRepository: ...

    @property
    def domains(self) -> DomainRepository: ...

    @property
    def dns_records(self) -> DnsRecordRepository: ...

    @property
    def dns_drift(self) -> DnsDriftRepository: ...

    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def storage(self) -> StorageRepository: ...

    @property
    def quotas(self) -> QuotaLedger: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def ad_accounts(self) -> AdAccountRepository: ...

    @property
    def metrics(self) -> MetricsRepository: ...

    @property
    def infrastructure(self) -> InfrastructureRepository: ...

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def uptime_monitors(self) -> UptimeMonitorRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, scope: DataScope) -> UnitOfWork:
        """A new, not yet entered unit of work limited to `scope`."""
        ...
