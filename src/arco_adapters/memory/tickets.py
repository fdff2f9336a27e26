"""Memory support tickets and their messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import Table
from arco_domain.ids import ClientId, TicketId
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.tickets import Ticket, TicketMessage, TicketOverview, TicketPriority, TicketStatus


def _awaiting_response(ticket: Ticket) -> bool:
    """A ticket whose first-response SLA still runs."""
    return (
        ticket.response_due_at is not None
        and ticket.first_response_at is None
        and ticket.status is not TicketStatus.CLOSED
    )


class MemoryTicketRepository(Scoped):
    kind = "ticket"

    @property
    def _messages(self) -> Table[TicketMessage]:
        return self._store.table("ticket_message")

    async def add(self, ticket: Ticket) -> None:
        self._insert(ticket)

    async def get(self, client_id: ClientId, ticket_id: TicketId) -> Ticket:
        ticket: Ticket = self._table.get(ticket_id, self._mine(client_id))
        return ticket

    get_for_update = get

    async def update(self, ticket: Ticket) -> None:
        self._replace(ticket)

    async def list_for_client(self, client_id: ClientId) -> Sequence[Ticket]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda t: t.created_at, reverse=True)

    async def search(
        self,
        client_id: ClientId,
        page: PageRequest,
        *,
        status: TicketStatus | None = None,
        priority: TicketPriority | None = None,
    ) -> Page[TicketOverview]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda t: mine(t) and status in (None, t.status) and priority in (None, t.priority))
        return paginate([ticket.overview() for ticket in rows], page, lambda t: t.id, newest_first=True)

    async def add_message(self, message: TicketMessage) -> None:
        await self.get(message.client_id, message.ticket_id)
        self._messages.put(message.id, message)

    async def list_messages(
        self, client_id: ClientId, ticket_id: TicketId, *, include_internal: bool
    ) -> Sequence[TicketMessage]:
        mine = self._mine(client_id)
        rows = self._messages.select(
            lambda m: mine(m) and m.ticket_id == ticket_id and (include_internal or not m.internal)
        )
        return sorted(rows, key=lambda m: m.created_at)

    def _record_once(self, client_id: ClientId, ticket_id: TicketId, flag: str, at: datetime) -> bool:
        mine = self._mine(client_id)
        ticket = next(self._table.select(lambda t: t.id == ticket_id and mine(t) and _awaiting_response(t)), None)
        if ticket is None or getattr(ticket, flag) is not None:
            return False
        self._table.put(ticket.id, replace(ticket, **{flag: at}))
        return True

    async def record_sla_warning(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        return self._record_once(client_id, ticket_id, "sla_warned_at", at)

    async def record_sla_breach(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        return self._record_once(client_id, ticket_id, "sla_breached_at", at)

    async def unbreached_awaiting_response(self) -> Sequence[Ticket]:
        return list(
            self._table.select(lambda t: self._visible(t) and t.sla_breached_at is None and _awaiting_response(t))
        )

    async def resolved_before(self, cutoff: datetime) -> Sequence[Ticket]:
        return list(
            self._table.select(
                lambda t: (
                    self._visible(t)
                    and t.status is TicketStatus.RESOLVED
                    and t.resolved_at is not None
                    and t.resolved_at <= cutoff
                )
            )
        )

    async def created_between(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Ticket]:
        mine = self._mine(client_id)
        return list(self._table.select(lambda t: mine(t) and start <= t.created_at < end))


class MemoryTicketArea(ScopedUnit):
    @cached_property
    def tickets(self) -> MemoryTicketRepository:
        return MemoryTicketRepository(self._store, self._scope)
