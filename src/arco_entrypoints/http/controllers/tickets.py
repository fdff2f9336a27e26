"""Support tickets: list, open, read, reply and move."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from arco_domain.ids import ProjectId, TicketId
from arco_domain.model.access import Principal
from arco_domain.model.tickets import TicketPriority, TicketStatus
from arco_domain.use_cases.tickets import CreateTicket, GetTicket, ListTickets, PostTicketMessage, TransitionTicket
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.tickets import (
    Message,
    MessageCreate,
    Ticket,
    TicketCreate,
    TicketWithMessages,
    TransitionCreate,
)


class TicketController(Controller):
    path = "/v1/tickets"
    tags = ["tickets"]

    @get("/", operation_id="listTickets")
    async def list_tickets(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        list_tickets: NamedDependency[ListTickets],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
        status: FromQuery[TicketStatus | None] = None,
        priority: FromQuery[TicketPriority | None] = None,
    ) -> Page[Ticket]:
        """The caller's tickets, newest first, optionally by status and priority."""
        page = await list_tickets(
            caller, caller.own_client(), page_request(limit, cursor), status=status, priority=priority
        )
        return page_out(page, lambda ticket: Ticket.from_entity(ticket, now))

    @post("/", operation_id="createTicket")
    async def create_ticket(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        data: JSONBody[TicketCreate],
        create_ticket: NamedDependency[CreateTicket],
    ) -> Ticket:
        """Open a ticket within the period's ticket quota (`409 quota-exceeded` past it)."""
        project_id = ProjectId(data.project_id) if data.project_id else None
        ticket = await create_ticket(
            caller, subject=data.subject, description=data.description, priority=data.priority, project_id=project_id
        )
        return Ticket.from_entity(ticket, now)

    @get("/{ticket_id:uuid}", operation_id="getTicket")
    async def get_ticket(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        ticket_id: FromPath[UUID],
        get_ticket: NamedDependency[GetTicket],
    ) -> TicketWithMessages:
        """A ticket with its messages (internal notes only for staff)."""
        thread = await get_ticket(caller, caller.own_client(), TicketId(ticket_id))
        return TicketWithMessages.from_thread(thread, now)

    @post("/{ticket_id:uuid}/messages", operation_id="postTicketMessage")
    async def post_message(
        self,
        caller: NamedDependency[Principal],
        ticket_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        post_ticket_message: NamedDependency[PostTicketMessage],
    ) -> Message:
        """Reply on a ticket; `internal` notes are for staff only."""
        message = await post_ticket_message(
            caller, caller.own_client(), TicketId(ticket_id), body=data.message, attachments=data.attachments,
            internal=data.internal,
        )  # fmt: skip
        return Message.from_entity(message)

    @post("/{ticket_id:uuid}/transitions", operation_id="transitionTicket", status_code=200)
    async def transition(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        ticket_id: FromPath[UUID],
        data: JSONBody[TransitionCreate],
        transition_ticket: NamedDependency[TransitionTicket],
    ) -> Ticket:
        """Move the ticket: staff along the pipeline, a client only to reopen a resolved ticket."""
        ticket = await transition_ticket(caller, caller.own_client(), TicketId(ticket_id), to=data.to)
        return Ticket.from_entity(ticket, now)
