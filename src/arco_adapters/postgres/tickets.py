"""PostgreSQL support tickets, their status histories and messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Row, Select, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import ClientId, MessageId, ProjectId, TicketId, UserId
from arco_domain.model.paging import Page, PageRequest, page_of
from arco_domain.model.sla import BusinessCalendar, SlaPolicy
from arco_domain.model.tickets import (
    Actor,
    StatusChange,
    Ticket,
    TicketMessage,
    TicketOverview,
    TicketPriority,
    TicketStatus,
)


def _calendar_json(calendar: BusinessCalendar | None) -> dict[str, Any] | None:
    if calendar is None:
        return None
    return {
        "timezone": calendar.timezone,
        "working_days": sorted(calendar.working_days),
        "opens": calendar.opens.isoformat(),
        "closes": calendar.closes.isoformat(),
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
    }


def _calendar(data: Mapping[str, Any] | None) -> BusinessCalendar | None:
    if data is None:
        return None
    return BusinessCalendar(
        timezone=data["timezone"],
        working_days=frozenset(data["working_days"]),
        opens=time.fromisoformat(data["opens"]),
        closes=time.fromisoformat(data["closes"]),
        holidays=frozenset(date.fromisoformat(d) for d in data["holidays"]),
    )


_changes, _tickets = t.ticket_status_changes.c, t.support_tickets.c
_HISTORY = (
    select(
        func.coalesce(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(_changes.at, _changes.from_status, _changes.to_status, _changes.actor),
                    _changes.seq,
                )
            ),
            literal_column("'[]'::json"),
            type_=JSON,
        )
    )
    .where(_changes.client_id == _tickets.client_id, _changes.ticket_id == _tickets.id)
    .correlate(t.support_tickets)
    .scalar_subquery()
    .label("history")
)
TICKETS_WITH_HISTORY = select(t.support_tickets, _HISTORY)
"""Tickets with their status histories in the same row, so any number of tickets is one round trip."""
_AWAITING_RESPONSE = (
    _tickets.response_due_at.is_not(None),
    _tickets.first_response_at.is_(None),
    _tickets.status != TicketStatus.CLOSED.value,
)
"""A ticket whose first-response SLA still runs."""


def unbreached_awaiting_response_query() -> Select[Any]:
    """The SLA scan's read, served by the partial index `ix_support_tickets_awaiting_response`, which holds
    exactly these tickets (a function, so that a test can EXPLAIN it)."""
    return TICKETS_WITH_HISTORY.where(_tickets.sla_breached_at.is_(None), *_AWAITING_RESPONSE).order_by(_tickets.id)


_OVERVIEWS = select(
    _tickets.id, _tickets.subject, _tickets.description, _tickets.priority, _tickets.status, _tickets.project_id,
    _tickets.created_at, _tickets.sla_first_response, _tickets.sla_resolution, _tickets.sla_calendar,
    _tickets.response_due_at, _tickets.first_response_at, _tickets.resolved_at, _tickets.closed_at,
)  # fmt: skip
"""The columns a list of tickets shows, in `_overview`'s order: no status history."""
_PRIORITIES = {priority.value: priority for priority in TicketPriority}
_STATUSES = {status.value: status for status in TicketStatus}


def _overview(row: Sequence[Any]) -> TicketOverview:
    """A listed ticket from its row, read by position: a list maps dozens of rows per request."""
    (
        id, subject, description, priority, status, project_id, created_at, first_response, resolution, calendar,
        response_due_at, first_response_at, resolved_at, closed_at,
    ) = row  # fmt: skip
    return TicketOverview(
        id=TicketId(id), subject=subject, description=description, priority=_PRIORITIES[priority],
        status=_STATUSES[status], project_id=ProjectId(project_id) if project_id else None, created_at=created_at,
        sla=SlaPolicy(first_response, resolution, _calendar(calendar)), response_due_at=response_due_at,
        first_response_at=first_response_at, resolved_at=resolved_at, closed_at=closed_at,
    )  # fmt: skip


def _status_change(entry: list[str]) -> StatusChange:
    at, frm, to, actor = entry
    return StatusChange(datetime.fromisoformat(at), TicketStatus(frm), TicketStatus(to), Actor(actor))


def _ticket(row: Row[Any]) -> Ticket:
    return Ticket(
        id=TicketId(row.id),
        client_id=ClientId(row.client_id),
        created_by=UserId(row.created_by),
        subject=row.subject,
        description=row.description,
        priority=TicketPriority(row.priority),
        created_at=row.created_at,
        sla=SlaPolicy(row.sla_first_response, row.sla_resolution, _calendar(row.sla_calendar)),
        project_id=ProjectId(row.project_id) if row.project_id else None,
        status=TicketStatus(row.status),
        response_due_at=row.response_due_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        assigned_to=UserId(row.assigned_to) if row.assigned_to else None,
        sla_warned_at=row.sla_warned_at,
        sla_breached_at=row.sla_breached_at,
        history=[_status_change(entry) for entry in row.history],
    )


def _ticket_state(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "assigned_to": ticket.assigned_to,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "sla_warned_at": ticket.sla_warned_at,
        "sla_breached_at": ticket.sla_breached_at,
    }


def _message(row: Row[Any]) -> TicketMessage:
    return TicketMessage(
        id=MessageId(row.id),
        ticket_id=TicketId(row.ticket_id),
        client_id=ClientId(row.client_id),
        author_id=UserId(row.author_id),
        author_is_staff=row.author_is_staff,
        body=row.body,
        created_at=row.created_at,
        attachments=tuple(row.attachments),
        internal=row.internal,
    )


class PostgresTicketRepository(Repository):
    async def _tickets(self, query: Select[Any]) -> list[Ticket]:
        return [_ticket(row) for row in await self._all(query)]

    async def _append_history(self, ticket: Ticket, stored: int) -> None:
        fresh = ticket.history[stored:]
        if fresh:
            await self._run(
                insert(t.ticket_status_changes).values(
                    [
                        {
                            "client_id": ticket.client_id,
                            "ticket_id": ticket.id,
                            "seq": stored + offset,
                            "at": change.at,
                            "from_status": change.frm.value,
                            "to_status": change.to.value,
                            "actor": change.actor.value,
                        }
                        for offset, change in enumerate(fresh)
                    ]
                )
            )

    async def add(self, ticket: Ticket) -> None:
        await self._run(
            insert(t.support_tickets).values(
                id=ticket.id,
                client_id=ticket.client_id,
                project_id=ticket.project_id,
                created_by=ticket.created_by,
                subject=ticket.subject,
                description=ticket.description,
                sla_first_response=ticket.sla.first_response,
                sla_resolution=ticket.sla.resolution,
                sla_calendar=_calendar_json(ticket.sla.calendar),
                response_due_at=ticket.response_due_at,
                created_at=ticket.created_at,
                **_ticket_state(ticket),
            )
        )
        await self._append_history(ticket, 0)

    async def get(self, client_id: ClientId, ticket_id: TicketId) -> Ticket:
        s = t.support_tickets.c
        return _ticket(
            await self._one(
                TICKETS_WITH_HISTORY.where(s.client_id == client_id, s.id == ticket_id), "ticket", ticket_id
            )
        )

    async def _lock(self, client_id: ClientId, ticket_id: TicketId) -> None:
        s = t.support_tickets.c
        await self._one(locked(select(s.id).where(s.client_id == client_id, s.id == ticket_id)), "ticket", ticket_id)

    async def get_for_update(self, client_id: ClientId, ticket_id: TicketId) -> Ticket:
        # Locked first and read by a second statement: a locking read that waited returns the newest row, but its
        # history subquery would still see the rows committed before it started, missing the waited-for changes.
        await self._lock(client_id, ticket_id)
        return await self.get(client_id, ticket_id)

    async def update(self, ticket: Ticket) -> None:
        s, c = t.support_tickets.c, t.ticket_status_changes.c
        # Locking the ticket row serialises concurrent updates, so history sequence numbers never collide.
        await self._lock(ticket.client_id, ticket.id)
        count = select(func.count()).where(c.client_id == ticket.client_id, c.ticket_id == ticket.id)
        stored = int((await self._run(count)).scalar_one())
        await self._run(
            update(t.support_tickets)
            .where(s.client_id == ticket.client_id, s.id == ticket.id)
            .values(updated_at=func.now(), **_ticket_state(ticket))
        )
        await self._append_history(ticket, stored)

    async def list_for_client(self, client_id: ClientId) -> Sequence[Ticket]:
        s = t.support_tickets.c
        return await self._tickets(TICKETS_WITH_HISTORY.where(s.client_id == client_id).order_by(s.created_at.desc()))

    async def search(
        self,
        client_id: ClientId,
        page: PageRequest,
        *,
        status: TicketStatus | None = None,
        priority: TicketPriority | None = None,
    ) -> Page[TicketOverview]:
        query = _OVERVIEWS.where(_tickets.client_id == client_id)
        if status is not None:
            query = query.where(_tickets.status == status.value)
        if priority is not None:
            query = query.where(_tickets.priority == priority.value)
        if page.after is not None:
            query = query.where(_tickets.id < page.after)
        rows = await self._all(query.order_by(_tickets.id.desc()).limit(page.limit + 1))
        return page_of([_overview(row) for row in rows], page, lambda ticket: ticket.id)

    async def add_message(self, message: TicketMessage) -> None:
        await self._run(
            insert(t.support_ticket_messages).values(
                id=message.id,
                client_id=message.client_id,
                ticket_id=message.ticket_id,
                author_id=message.author_id,
                author_is_staff=message.author_is_staff,
                body=message.body,
                attachments=list(message.attachments),
                internal=message.internal,
                created_at=message.created_at,
            )
        )

    async def list_messages(
        self, client_id: ClientId, ticket_id: TicketId, *, include_internal: bool
    ) -> Sequence[TicketMessage]:
        m = t.support_ticket_messages.c
        query = select(t.support_ticket_messages).where(m.client_id == client_id, m.ticket_id == ticket_id)
        if not include_internal:
            query = query.where(m.internal.is_(False))
        return [_message(row) for row in await self._all(query.order_by(m.created_at))]

    async def _record_once(self, client_id: ClientId, ticket_id: TicketId, flag: str, at: datetime) -> bool:
        """Set the timestamp column `flag`, unless it is set already or the ticket waits for a response no more."""
        s = t.support_tickets.c
        statement = (
            update(t.support_tickets)
            .where(s.client_id == client_id, s.id == ticket_id, s[flag].is_(None), *_AWAITING_RESPONSE)
            .values({flag: at, "updated_at": func.now()})
        )
        return (await self._run(statement)).rowcount == 1

    async def record_sla_warning(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        return await self._record_once(client_id, ticket_id, "sla_warned_at", at)

    async def record_sla_breach(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        return await self._record_once(client_id, ticket_id, "sla_breached_at", at)

    # The scans that lock the tickets they list list them by id, so two of them lock in one order: no deadlock.

    async def unbreached_awaiting_response(self) -> Sequence[Ticket]:
        return await self._tickets(unbreached_awaiting_response_query())

    async def resolved_before(self, cutoff: datetime) -> Sequence[Ticket]:
        s = t.support_tickets.c
        query = TICKETS_WITH_HISTORY.where(s.status == TicketStatus.RESOLVED.value, s.resolved_at <= cutoff)
        return await self._tickets(query.order_by(s.id))

    async def created_between(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Ticket]:
        s = t.support_tickets.c
        return await self._tickets(
            TICKETS_WITH_HISTORY.where(s.client_id == client_id, s.created_at >= start, s.created_at < end)
        )


class PostgresTicketArea(UnitConnection):
    @cached_property
    def tickets(self) -> PostgresTicketRepository:
        return PostgresTicketRepository(self._open_connection)
