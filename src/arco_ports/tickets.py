"""Support tickets, their messages and their SLA flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import ClientId, TicketId
from arco_domain.model.paging import Page, PageRequest
from arco_domain.model.tickets import Ticket, TicketMessage, TicketOverview, TicketPriority, TicketStatus


class TicketRepository(Protocol):
    async def add(self, ticket: Ticket) -> None: ...

    async def get(self, client_id: ClientId, ticket_id: TicketId) -> Ticket: ...

    async def get_for_update(self, client_id: ClientId, ticket_id: TicketId) -> Ticket:
        """`get`, holding the ticket's row until the unit of work ends; its history is read after the lock."""
        ...

    async def update(self, ticket: Ticket) -> None:
        """Stores the ticket's state and any status changes appended to its history."""
        ...

    async def record_sla_warning(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        """Set `sla_warned_at` to `at`, and nothing else, on a ticket still awaiting its first response (not
        closed, no response, no warning yet); whether it did."""
        ...

    async def record_sla_breach(self, client_id: ClientId, ticket_id: TicketId, at: datetime) -> bool:
        """Set `sla_breached_at` to `at`, and nothing else, on a ticket still awaiting its first response (not
        closed, no response, no breach yet); whether it did."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Ticket]:
        """Newest first."""
        ...

    async def search(
        self,
        client_id: ClientId,
        page: PageRequest,
        *,
        status: TicketStatus | None = None,
        priority: TicketPriority | None = None,
    ) -> Page[TicketOverview]:
        """Newest first (by id, which is time-ordered), filtered when asked; as a list shows them."""
        ...

    async def add_message(self, message: TicketMessage) -> None: ...

    async def list_messages(
        self, client_id: ClientId, ticket_id: TicketId, *, include_internal: bool
    ) -> Sequence[TicketMessage]:
        """Oldest first; internal notes only when asked for."""
        ...

    async def unbreached_awaiting_response(self) -> Sequence[Ticket]:
        """Tickets of every client with a first-response due time, no response yet, not closed and no breach
        recorded: those an SLA scan may still have a warning or a breach to record on."""
        ...

    async def resolved_before(self, cutoff: datetime) -> Sequence[Ticket]:
        """Resolved (not closed) tickets of every client, resolved at or before `cutoff`."""
        ...

    async def created_between(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Ticket]: ...


class TicketArea(Protocol):
    @property
    def tickets(self) -> TicketRepository: ...
