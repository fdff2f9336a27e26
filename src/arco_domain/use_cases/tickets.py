"""Support ticket use-cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from arco_domain.errors import PermissionDenied
from arco_domain.ids import AuditEventId, ClientId, MessageId, ProjectId, TicketId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.notifications import OutgoingEmail
from arco_domain.model.paging import Page, PageRequest
from arco_domain.model.quotas import QuotaStatus
from arco_domain.model.sla import BusinessCalendar
from arco_domain.model.tickets import (
    AUTO_CLOSE_AFTER,
    Actor,
    SlaStage,
    Ticket,
    TicketMessage,
    TicketOverview,
    TicketPriority,
    TicketStatus,
    record_message,
)
from arco_domain.model.tiers import Resource
from arco_domain.model.uptime import month_window
from arco_domain.use_cases.base import request_email, take_quota, write_audit
from arco_domain.use_cases.clients import usage_report
from arco_ports.clock import Clock, IdGenerator
from arco_ports.dashboard import FirstResponses
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


def _side_of(principal: Principal) -> Actor:
    """Which side of a ticket the caller acts on; staff act for the agency only if their role works tickets."""
    if principal.is_staff:
        principal.require(Capability.WORK_TICKETS)
        return Actor.STAFF
    return Actor.CLIENT


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTicket:
    """Open a ticket for the caller's client, within its monthly ticket quota."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    calendar: BusinessCalendar | None = None

    async def __call__(
        self,
        principal: Principal,
        *,
        subject: str,
        description: str,
        priority: TicketPriority = TicketPriority.MEDIUM,
        project_id: ProjectId | None = None,
    ) -> Ticket:
        client_id = principal.own_client()
        now = self.clock.now()
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            if project_id is not None:
                await uow.projects.get(client_id, project_id)
            ticket = Ticket.open(
                id=TicketId(self.ids.new_id()), client_id=client_id, created_by=principal.user_id,
                subject=subject, description=description, priority=priority, created_at=now,
                sla=client.sla_policy(self.calendar), project_id=project_id,
            )  # fmt: skip
            await take_quota(uow, client, Resource.SUPPORT_TICKETS, 1, now)
            await uow.tickets.add(ticket)
            await uow.commit()
        return ticket


@dataclass(frozen=True, slots=True, kw_only=True)
class PostTicketMessage:
    """Add a message (or, for staff, an internal note) to a ticket and apply what it means."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        ticket_id: TicketId,
        *,
        body: str,
        attachments: Sequence[str] = (),
        internal: bool = False,
    ) -> TicketMessage:
        author_is_staff = _side_of(principal) is Actor.STAFF
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            ticket = await uow.tickets.get_for_update(client_id, ticket_id)
            message = TicketMessage(
                id=MessageId(self.ids.new_id()), ticket_id=ticket.id, client_id=client_id,
                author_id=principal.user_id, author_is_staff=author_is_staff, body=body,
                created_at=self.clock.now(), attachments=tuple(attachments), internal=internal,
            )  # fmt: skip
            record_message(ticket, message)
            await uow.tickets.add_message(message)
            await uow.tickets.update(ticket)
            await uow.commit()
        return message


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionTicket:
    """Move a ticket through its status machine: staff drive it, a client may only reopen."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self, principal: Principal, client_id: ClientId, ticket_id: TicketId, *, to: TicketStatus
    ) -> Ticket:
        actor = _side_of(principal)
        client_id = principal.client_in_reach(client_id)
        if actor is Actor.CLIENT and to is not TicketStatus.OPEN:
            raise PermissionDenied("clients may only reopen a resolved ticket; staff move the rest")
        async with self.uow(DataScope.of_client(client_id)) as uow:
            ticket = await uow.tickets.get_for_update(client_id, ticket_id)
            change = ticket.move(to, actor=actor, at=self.clock.now())
            await uow.tickets.update(ticket)
            await write_audit(
                uow, event_id=AuditEventId(self.ids.new_id()), at=change.at, principal=principal,
                action="ticket.transition", client_id=client_id,
                details={"ticket_id": str(ticket.id), "from": change.frm, "to": change.to},
            )  # fmt: skip
            await uow.commit()
        return ticket


@dataclass(frozen=True, slots=True)
class SlaScanReport:
    warned: tuple[TicketId, ...]
    breached: tuple[TicketId, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanTicketSla:
    """Flag tickets at 80 % of their first-response time and past it, each flag recorded once.

    The scan reads without locking and then sets each flag by a conditional update of that flag alone, which
    holds only while the ticket still awaits its first response: a staff reply committed after the read
    neither gets overwritten nor draws a notice. Tickets whose breach is recorded are not read again.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    staff_inbox: str

    async def __call__(self) -> SlaScanReport:
        now = self.clock.now()
        warned: list[TicketId] = []
        breached: list[TicketId] = []
        async with self.uow(DataScope.all_clients()) as uow:
            for ticket in await uow.tickets.unbreached_awaiting_response():
                stage = ticket.first_response_stage(now)
                if await _record_stage(uow, ticket, stage, now):
                    (breached if stage is SlaStage.BREACHED else warned).append(ticket.id)
                    await request_email(uow, self._notice(ticket, stage))
            await uow.commit()
        return SlaScanReport(tuple(warned), tuple(breached))

    def _notice(self, ticket: Ticket, stage: SlaStage) -> OutgoingEmail:
        word = "breached" if stage is SlaStage.BREACHED else "at risk"
        return OutgoingEmail(
            to=(self.staff_inbox,),
            subject=f"SLA {word}: {ticket.subject}",
            text=f"Ticket {ticket.id} ({ticket.priority}) is due for a first response at "
            f"{ticket.response_due_at:%Y-%m-%d %H:%M} UTC.",
            dedupe_key=f"sla-{stage}-{ticket.id}",
        )


async def _record_stage(uow: UnitOfWork, ticket: Ticket, stage: SlaStage, now: datetime) -> bool:
    """Record a breach or a first warning of `ticket`, as read by the scan; whether it was recorded now."""
    if stage is SlaStage.BREACHED:
        return await uow.tickets.record_sla_breach(ticket.client_id, ticket.id, now)
    if stage is SlaStage.WARNING and ticket.sla_warned_at is None:
        return await uow.tickets.record_sla_warning(ticket.client_id, ticket.id, now)
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoCloseResolvedTickets:
    """Close every ticket resolved for at least 7 days."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self) -> tuple[TicketId, ...]:
        now = self.clock.now()
        closed: list[TicketId] = []
        async with self.uow(DataScope.all_clients()) as uow:
            for found in await uow.tickets.resolved_before(now - AUTO_CLOSE_AFTER):
                ticket = await uow.tickets.get_for_update(found.client_id, found.id)
                if not ticket.due_for_auto_close(now):  # reopened since it was found
                    continue
                ticket.move(TicketStatus.CLOSED, actor=Actor.SYSTEM, at=now)
                await uow.tickets.update(ticket)
                closed.append(ticket.id)
            await uow.commit()
        return tuple(closed)


@dataclass(frozen=True, slots=True)
class TicketSummary:
    quota: QuotaStatus
    average_first_response: timedelta | None


def summarize_tickets(quota: QuotaStatus, first_responses: FirstResponses) -> TicketSummary:
    """The ticket panel: this quota period's `quota` and the mean wait of the month's `first_responses`."""
    answered = first_responses.answered
    return TicketSummary(quota, first_responses.total_wait / answered if answered else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class SummarizeTickets:
    """The dashboard's ticket panel: this period's usage and the month's average first response."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self, principal: Principal, client_id: ClientId) -> TicketSummary:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            now = self.clock.now()
            period = client.quota_period(Resource.SUPPORT_TICKETS, now)
            [quota] = await usage_report(uow, client, {Resource.SUPPORT_TICKETS: period})
            return summarize_tickets(
                quota, await uow.dashboard.first_responses(client_id, *month_window(now, client.zone))
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class ListTickets:
    """A client's tickets, newest first, optionally by status and priority."""

    uow: UnitOfWorkFactory

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        page: PageRequest,
        *,
        status: TicketStatus | None = None,
        priority: TicketPriority | None = None,
    ) -> Page[TicketOverview]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            if principal.is_staff:
                await uow.clients.get(client_id)  # staff may name any client: an unknown one is a 404
            return await uow.tickets.search(client_id, page, status=status, priority=priority)


@dataclass(frozen=True, slots=True)
class TicketThread:
    ticket: Ticket
    messages: Sequence[TicketMessage]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetTicket:
    """A ticket with its messages; internal notes only for staff."""

    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, ticket_id: TicketId) -> TicketThread:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            ticket = await uow.tickets.get(client_id, ticket_id)
            messages = await uow.tickets.list_messages(client_id, ticket_id, include_internal=principal.is_staff)
        return TicketThread(ticket, messages)
