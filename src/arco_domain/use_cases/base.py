"""The steps many use-cases share: quota admission and release, e-mail requests and audit records.

A use-case is a frozen dataclass whose fields are the ports it uses, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from arco_domain.ids import AuditEventId, ClientId
from arco_domain.model.access import Principal
from arco_domain.model.audit import AuditEvent
from arco_domain.model.clients import Client
from arco_domain.model.notifications import SEND_EMAIL_JOB, OutgoingEmail, email_job_payload
from arco_domain.model.quotas import STOCK_PERIOD
from arco_domain.model.tiers import Resource
from arco_ports.unit_of_work import UnitOfWork


async def take_quota(uow: UnitOfWork, client: Client, resource: Resource, amount: int, now: datetime) -> None:
    """Admit `amount` of `resource` for `client` in this unit of work, or raise `QuotaExceeded`."""
    period = client.quota_period(resource, now)
    await uow.quotas.admit(client.id, resource, period, amount, client.limit(resource))


async def release_stock(uow: UnitOfWork, client_id: ClientId, resource: Resource, amount: int) -> None:
    await uow.quotas.release(client_id, resource, STOCK_PERIOD, amount)


async def request_email(uow: UnitOfWork, email: OutgoingEmail) -> None:
    """Have `email` sent once this unit of work commits (never for a change rolled back)."""
    await uow.jobs.enqueue(SEND_EMAIL_JOB, email_job_payload(email), dedupe_key=email.dedupe_key)


async def write_audit(
    uow: UnitOfWork,
    *,
    event_id: AuditEventId,
    at: datetime,
    principal: Principal | None,
    action: str,
    client_id: ClientId | None,
    details: Mapping[str, object],
) -> None:
    await uow.audit.record(
        AuditEvent(
            id=event_id,
            action=action,
            occurred_at=at,
            client_id=client_id,
            actor_id=principal.user_id if principal else None,
            impersonator_id=principal.impersonator_id if principal else None,
            details=dict(details),
        )
    )
