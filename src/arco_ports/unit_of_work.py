"""The unit of work: one transaction over every repository, scoped to the rows it may touch.

Its repositories come by area (`arco_ports.clients`, `arco_ports.tickets` ...): each area's module holds the
area's repository ports and the small protocol naming what a unit of work gives of them, and `UnitOfWork`
is those protocols together.

Every repository lookup takes the owning `client_id` next to the id: a row of another client is reported as
`NotFound`, never returned. Repositories neither commit nor roll back; their unit of work does.

`update` stores the whole entity, so a unit of work that changes an entity reads it with `get_for_update`:
the row is then the unit's until it ends, and another unit's `get_for_update` of it waits for that end and
reads what was committed. A plain `get` takes no lock and may be stale by the time its unit writes. Changes
that set one flag on rows a scan found are conditional updates of that flag alone (`record_sla_breach`).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from arco_domain.model.access import DataScope
from arco_ports.ad_accounts import AdAccountArea
from arco_ports.audit import AuditArea
from arco_ports.billing import BillingArea
from arco_ports.clients import ClientArea
from arco_ports.dashboard import DashboardArea
from arco_ports.dns_records import DnsRecordArea
from arco_ports.domains import DomainArea
from arco_ports.jobs import JobArea
from arco_ports.metrics import MetricsArea
from arco_ports.monitoring import MonitoringArea
from arco_ports.operations import OperationsArea
from arco_ports.projects import ProjectArea
from arco_ports.quotas import QuotaArea
from arco_ports.storage import StorageArea
from arco_ports.tickets import TicketArea


class UnitOfWork(
    ClientArea,
    ProjectArea,
    DomainArea,
    DnsRecordArea,
    TicketArea,
    StorageArea,
    QuotaArea,
    AuditArea,
    MetricsArea,
    AdAccountArea,
    OperationsArea,
    MonitoringArea,
    BillingArea,
    JobArea,
    DashboardArea,
    Protocol,
):
    """An async context manager around one transaction.

    Nothing is durable until `commit()`; leaving the block without committing (or by an exception)
    rolls every change back, quota admissions included. Quota admission and the insert it guards
    happen in the same unit, so a rolled-back create never counts. Only rows within its `DataScope`
    are visible; an adapter enforces that independently of the repositories' own filters when it can.
    Once a repository has raised, the unit may only be left: a database aborts the transaction then.
    The areas' repositories are read-only properties, so an adapter may expose its own classes (covariance).
    """

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
