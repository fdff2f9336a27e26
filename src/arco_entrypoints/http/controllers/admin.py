"""The agency's admin dashboard: clients, their plans and projects, and ticket handling on any client.

Staff only; what each staff role may do here is decided by the use-cases (`Capability`), so a route open to
every staff user still answers `403` to a role that lacks what it needs (a developer changing a tier, say).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from arco_domain.ids import ClientId, ProjectId, TicketId
from arco_domain.model.access import Principal
from arco_domain.model.tickets import TicketPriority, TicketStatus
from arco_domain.use_cases.clients import ChangePlan, GetClientDetails, ListClients
from arco_domain.use_cases.projects import ListProjects, UpdateProject
from arco_domain.use_cases.tickets import GetTicket, ListTickets, PostTicketMessage, TransitionTicket
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.accounts import Client
from arco_entrypoints.http.schemas.admin import ClientChange, ClientDetail, ClientUpdate
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.projects import Project, ProjectUpdate
from arco_entrypoints.http.schemas.tickets import Message, MessageCreate, Ticket, TicketWithMessages, TransitionCreate


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Refuse client users before the request is read further: several use-cases here also serve clients."""
    caller: Principal = connection.user
    caller.require_staff()


class AdminController(Controller):
    path = "/v1/admin"
    tags = ["admin"]
    guards = [staff_only]

    @get("/clients", operation_id="listClients")
    async def list_clients(
        self,
        caller: NamedDependency[Principal],
        list_clients: NamedDependency[ListClients],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Client]:
        """Every client, oldest first."""
        return page_out(await list_clients(caller, page_request(limit, cursor)), Client.from_entity)

    @get("/clients/{client_id:uuid}", operation_id="getClient")
    async def get_client(
        self,
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        get_client_details: NamedDependency[GetClientDetails],
    ) -> ClientDetail:
        """A client's account and each of its quotas."""
        details = await get_client_details(caller, ClientId(client_id))
        return ClientDetail.of(details.client, details.usage)

    @patch("/clients/{client_id:uuid}", operation_id="updateClient")
    async def update_client(
        self,
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        data: JSONBody[ClientUpdate],
        change_plan: NamedDependency[ChangePlan],
    ) -> ClientChange:
        """Change a client's tier and/or contract limits (admins only); a change of both is stored whole or not
        at all. A downgrade deletes nothing: what is now above a limit is reported in `over_limit` and closed to
        new creates until usage is back under it."""
        change = await change_plan(caller, ClientId(client_id), tier=data.tier, custom_limits=data.custom_limits)
        return ClientChange.of(change.client, change.over_limit)

    @get("/clients/{client_id:uuid}/projects", operation_id="listClientProjects")
    async def list_projects(
        self,
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        list_projects: NamedDependency[ListProjects],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Project]:
        """A client's projects, oldest first."""
        page = await list_projects(caller, ClientId(client_id), page_request(limit, cursor))
        return page_out(page, Project.from_entity)

    @patch("/clients/{client_id:uuid}/projects/{project_id:uuid}", operation_id="updateClientProject")
    async def update_project(
        self,
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        project_id: FromPath[UUID],
        data: JSONBody[ProjectUpdate],
        update_project: NamedDependency[UpdateProject],
    ) -> Project:
        """Change a client's project (admins and developers; `403` to support, whose views are read-only)."""
        project = await update_project(caller, ClientId(client_id), ProjectId(project_id), data.changes())
        return Project.from_entity(project)

    @get("/clients/{client_id:uuid}/tickets", operation_id="listClientTickets")
    async def list_tickets(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        list_tickets: NamedDependency[ListTickets],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
        status: FromQuery[TicketStatus | None] = None,
        priority: FromQuery[TicketPriority | None] = None,
    ) -> Page[Ticket]:
        """A client's tickets, newest first, optionally by status and priority."""
        page = await list_tickets(
            caller, ClientId(client_id), page_request(limit, cursor), status=status, priority=priority
        )
        return page_out(page, lambda ticket: Ticket.from_entity(ticket, now))

    @get("/clients/{client_id:uuid}/tickets/{ticket_id:uuid}", operation_id="getClientTicket")
    async def get_ticket(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        ticket_id: FromPath[UUID],
        get_ticket: NamedDependency[GetTicket],
    ) -> TicketWithMessages:
        """A client's ticket with every message, internal notes included."""
        thread = await get_ticket(caller, ClientId(client_id), TicketId(ticket_id))
        return TicketWithMessages.from_thread(thread, now)

    @post("/clients/{client_id:uuid}/tickets/{ticket_id:uuid}/messages", operation_id="postClientTicketMessage")
    async def post_message(
        self,
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        ticket_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        post_ticket_message: NamedDependency[PostTicketMessage],
    ) -> Message:
        """Reply to the client (the first public reply is the first response) or add an `internal` note."""
        message = await post_ticket_message(
            caller, ClientId(client_id), TicketId(ticket_id), body=data.message, attachments=data.attachments,
            internal=data.internal,
        )  # fmt: skip
        return Message.from_entity(message)

    @post(
        "/clients/{client_id:uuid}/tickets/{ticket_id:uuid}/transitions",
        operation_id="transitionClientTicket",
        status_code=200,
    )
    async def transition(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        client_id: FromPath[UUID],
        ticket_id: FromPath[UUID],
        data: JSONBody[TransitionCreate],
        transition_ticket: NamedDependency[TransitionTicket],
    ) -> Ticket:
        """Move a client's ticket one step along its status machine (`409 invalid-transition` otherwise)."""
        ticket = await transition_ticket(caller, ClientId(client_id), TicketId(ticket_id), to=data.to)
        return Ticket.from_entity(ticket, now)
