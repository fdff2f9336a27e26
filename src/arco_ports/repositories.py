"""Repositories: persistence of domain entities, always addressed within a client.

Every lookup takes the owning `client_id` next to the id: a row of another client is reported as
`NotFound`, never returned. Repositories neither commit nor roll back; their unit of work does.

`update` stores the whole entity, so a unit of work that changes an entity reads it with `get_for_update`:
the row is then the unit's until it ends, and another unit's `get_for_update` of it waits for that end and
reads what was committed. A plain `get` takes no lock and may be stale by the time its unit writes. Changes
that set one flag on rows a scan found are conditional updates of that flag alone (`record_sla_breach`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import (
    CampaignId,
    ClientId,
    DomainId,
    MemberId,
    MilestoneId,
    ProjectId,
    ReservationId,
    StorageItemId,
    TicketId,
    UserId,
)
from arco_domain.model.audit import AuditEvent
from arco_domain.model.campaigns import Campaign
from arco_domain.model.clients import Client, Member, User
from arco_domain.model.domains import Domain
from arco_domain.model.paging import Page, PageRequest
from arco_domain.model.projects import Milestone, Project
from arco_domain.model.storage import StorageItem, UploadReservation
from arco_domain.model.tickets import Ticket, TicketMessage, TicketPriority, TicketStatus
from arco_domain.model.tiers import Resource


class ClientRepository(Protocol):
    async def add(self, client: Client) -> None: ...

    async def get(self, client_id: ClientId) -> Client:
        """Raises `NotFound`."""
        ...

    async def get_for_update(self, client_id: ClientId) -> Client:
        """`get`, holding the client's row until the unit of work ends (see the module's text)."""
        ...

    async def update(self, client: Client) -> None: ...

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        """Clients on a paid tier whose subscription has been past due since `cutoff` or earlier."""
        ...

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        """The client whose payment-provider customer this is, if any (within the unit's scope)."""
        ...

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        """Clients in id order, `limit` at most, after the cursor `after` (staff use)."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises `Conflict` when the e-mail address is taken."""
        ...

    async def get(self, user_id: UserId) -> User:
        """Raises `NotFound`."""
        ...

    async def find_by_email(self, email: str) -> User | None: ...


class MemberRepository(Protocol):
    async def add(self, member: Member) -> None:
        """Raises `Conflict` when the client already has a member with that e-mail."""
        ...

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member: ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]: ...

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None: ...

    async def of_user(self, user_id: UserId) -> Member | None:
        """The seat a user holds on a client's team (which client, and in what role), if any."""
        ...


class ProjectRepository(Protocol):
    async def add(self, project: Project) -> None: ...

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project: ...

    async def get_for_update(self, client_id: ClientId, project_id: ProjectId) -> Project:
        """`get`, holding the project's row until the unit of work ends. The project is also what a unit locks
        to change the project's uptime monitor and its incidents, whose rows may not exist yet."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]: ...

    async def update(self, project: Project) -> None: ...

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        """Removes the project and its milestones."""
        ...


class MilestoneRepository(Protocol):
    async def add(self, milestone: Milestone) -> None: ...

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone: ...

    async def get_for_update(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        """`get`, holding the milestone's row until the unit of work ends."""
        ...

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]: ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        """Every milestone of the client's projects, by project id, each project's in `list_for_project` order."""
        ...

    async def update(self, milestone: Milestone) -> None: ...


class DomainRepository(Protocol):
    async def add(self, domain: Domain) -> None:
        """Raises `Conflict` when the name is already managed by ARCO (for any client)."""
        ...

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain: ...

    async def get_for_update(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        """`get`, holding the domain's row until the unit of work ends. The domain is also what a unit locks to
        change the domain's DNS records, so that a change checked against the other records stays valid."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]: ...

    async def list_all(self) -> Sequence[Domain]:
        """Every domain the unit may see (every client's, for a scheduled job), by client id then name."""
        ...

    async def update(self, domain: Domain) -> None: ...

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None: ...


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
    ) -> Page[Ticket]:
        """Newest first (by id, which is time-ordered), filtered when asked."""
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


class StorageRepository(Protocol):
    async def add_item(self, item: StorageItem) -> None: ...

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem: ...

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None: ...

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]: ...

    async def count_items(self, client_id: ClientId) -> int:
        """How many files the client stores, counted without reading them."""
        ...

    async def add_reservation(self, reservation: UploadReservation) -> None: ...

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation: ...

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None: ...

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        """Reservations of every client whose expiry has passed."""
        ...


class QuotaLedger(Protocol):
    """Usage counters keyed by (client, resource, period).

    `admit` is atomic: it checks `used + amount <= limit` and adds `amount` as one indivisible step, so
    that any number of concurrent admissions never take usage past the limit. Its effect belongs to the
    unit of work: a rollback undoes it.
    """

    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        """Add `amount` and return the new usage, or raise `QuotaExceeded` and change nothing."""
        ...

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        """Subtract `amount` (never below zero) and return the new usage."""
        ...

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int: ...

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        """The usage of each resource in `periods` at its period, read at once (zero when never used)."""
        ...


class CampaignRepository(Protocol):
    async def add(self, campaign: Campaign) -> None:
        """Raises `Conflict` when the client already has the platform's campaign with that external id."""
        ...

    async def get(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign: ...

    async def get_for_update(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign:
        """`get`, holding the campaign's row until the unit of work ends."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Campaign]:
        """By platform, then name."""
        ...

    async def update(self, campaign: Campaign) -> None:
        """Stores name, status, budget, project and ad account. Raises `NotFound`."""
        ...


class AuditLog(Protocol):
    """Append-only: events are never updated or deleted."""

    async def record(self, event: AuditEvent) -> None: ...

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]: ...
