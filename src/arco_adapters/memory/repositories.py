"""Memory repositories over a `MemoryStore`, filtered by the unit of work's scope.

A unit of work holds the whole store while it is open (see `MemoryUnitOfWork`), so every read already holds
its rows as `SELECT ... FOR UPDATE` would: each `get_for_update` is its `get`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from arco_adapters.memory.store import MemoryStore, Table, in_scope
from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import (
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
from arco_domain.model.access import DataScope
from arco_domain.model.audit import AuditEvent
from arco_domain.model.clients import Client, Member, User
from arco_domain.model.domains import Domain
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.projects import Milestone, Project
from arco_domain.model.quotas import admit
from arco_domain.model.storage import StorageItem, UploadReservation
from arco_domain.model.tickets import Ticket, TicketMessage, TicketPriority, TicketStatus
from arco_domain.model.tiers import Resource, Tier


class _Owned(Protocol):
    @property
    def client_id(self) -> ClientId: ...


class Scoped:
    kind: str

    def __init__(self, store: MemoryStore, scope: DataScope) -> None:
        self._store = store
        self._scope = scope

    @property
    def _table(self) -> Table[Any]:
        return self._store.table(self.kind)

    def _mine(self, client_id: ClientId) -> Any:
        """A row filter: the row belongs to `client_id` and the scope may see it."""
        return lambda row: row.client_id == client_id and in_scope(self._scope, row.client_id)

    def _visible(self, row: _Owned) -> bool:
        return in_scope(self._scope, row.client_id)

    def _insert(self, row: Any) -> None:
        if not self._visible(row):
            raise NotFound("client", row.client_id)  # what RLS's WITH CHECK would refuse
        self._table.put(row.id, row)

    def _replace(self, row: Any) -> None:
        self._table.get(row.id, self._mine(row.client_id))
        self._table.put(row.id, row)


class MemoryClientRepository(Scoped):
    kind = "client"

    def _visible_client(self, client: Client) -> bool:
        return in_scope(self._scope, client.id)

    async def add(self, client: Client) -> None:
        if not self._visible_client(client):
            raise NotFound("client", client.id)
        self._table.put(client.id, client)

    async def get(self, client_id: ClientId) -> Client:
        client: Client = self._table.get(client_id, self._visible_client)
        return client

    get_for_update = get

    async def update(self, client: Client) -> None:
        await self.get(client.id)
        self._table.put(client.id, client)

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        def overdue(client: Client) -> bool:
            since = client.billing.past_due_since if client.billing else None
            return client.tier is not Tier.FREE and since is not None and since <= cutoff

        return list(self._table.select(lambda c: self._visible_client(c) and overdue(c)))

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        return next(
            self._table.select(
                lambda c: self._visible_client(c) and c.billing and c.billing.customer_id == customer_id
            ),
            None,
        )

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        rows = sorted(self._table.select(self._visible_client), key=lambda c: c.id)
        return [c for c in rows if after is None or c.id > after][:limit]


class MemoryUserRepository(Scoped):
    kind = "user"

    async def add(self, user: User) -> None:
        if await self.find_by_email(user.email) is not None:
            raise Conflict(f"a user with e-mail {user.email} exists")
        self._table.put(user.id, user)

    async def get(self, user_id: UserId) -> User:
        user: User = self._table.get(user_id, lambda _: True)
        return user

    async def find_by_email(self, email: str) -> User | None:
        return next(self._table.select(lambda u: u.email == email), None)


class MemoryMemberRepository(Scoped):
    kind = "member"

    async def add(self, member: Member) -> None:
        if any(self._table.select(lambda m: m.client_id == member.client_id and m.email == member.email)):
            raise Conflict(f"{member.email} is already on this team")
        self._insert(member)

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member:
        member: Member = self._table.get(member_id, self._mine(client_id))
        return member

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda m: m.created_at)

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None:
        self._table.pop(member_id, self._mine(client_id))

    async def of_user(self, user_id: UserId) -> Member | None:
        member: Member | None = next(self._table.select(lambda m: m.user_id == user_id and self._visible(m)), None)
        return member


class MemoryProjectRepository(Scoped):
    kind = "project"

    async def add(self, project: Project) -> None:
        self._insert(project)

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project:
        project: Project = self._table.get(project_id, self._mine(client_id))
        return project

    get_for_update = get

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda p: p.created_at)

    async def update(self, project: Project) -> None:
        self._replace(project)

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        self._table.pop(project_id, self._mine(client_id))
        # What the foreign keys do in PostgreSQL: the project's own records go with it ...
        for kind in ("milestone", "incident", "infrastructure", "uptime_monitor"):
            self._store.table(kind).delete_where(lambda row: row.project_id == project_id)
        for series in ("traffic", "measurements"):
            points = self._store.series.get(series, {})
            self._store.series[series] = {key: p for key, p in points.items() if p.project_id != project_id}
        # ... and what only refers to it stays with the client, detached.
        for kind in ("domain", "ticket", "campaign", "storage_item"):
            self._store.table(kind).detach("project_id", project_id)


class MemoryMilestoneRepository(Scoped):
    kind = "milestone"

    async def add(self, milestone: Milestone) -> None:
        self._insert(milestone)

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        milestone: Milestone = self._table.get(milestone_id, self._mine(client_id))
        return milestone

    get_for_update = get

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda m: mine(m) and m.project_id == project_id)
        return sorted(rows, key=lambda m: (m.due_date is None, m.due_date, m.created_at))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        rows = self._table.select(self._mine(client_id))
        return sorted(rows, key=lambda m: (m.project_id, m.due_date is None, m.due_date, m.created_at))

    async def update(self, milestone: Milestone) -> None:
        self._replace(milestone)


class MemoryDomainRepository(Scoped):
    kind = "domain"

    def _check_name_is_free(self, domain: Domain) -> None:
        # Names are unique across all clients; the check must see past the scope, like a UNIQUE index.
        if any(d.name == domain.name and d.id != domain.id for d in self._table.rows.values()):
            raise Conflict(f"{domain.name} is already managed")

    async def add(self, domain: Domain) -> None:
        self._check_name_is_free(domain)
        self._insert(domain)

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        domain: Domain = self._table.get(domain_id, self._mine(client_id))
        return domain

    get_for_update = get

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda d: d.name)

    async def list_all(self) -> Sequence[Domain]:
        return sorted(self._table.select(self._visible), key=lambda d: (d.client_id, d.name))

    async def update(self, domain: Domain) -> None:
        self._check_name_is_free(domain)
        self._replace(domain)

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None:
        self._table.pop(domain_id, self._mine(client_id))
        for child in ("dns_record", "dns_drift"):
            self._store.table(child).delete_where(lambda row: row.domain_id == domain_id)


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
    ) -> Page[Ticket]:
        mine = self._mine(client_id)
        rows = self._table.select(lambda t: mine(t) and status in (None, t.status) and priority in (None, t.priority))
        return paginate(list(rows), page, lambda t: t.id, newest_first=True)

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


class MemoryStorageRepository(Scoped):
    kind = "storage_item"

    @property
    def _reservations(self) -> Table[UploadReservation]:
        return self._store.table("upload_reservation")

    async def add_item(self, item: StorageItem) -> None:
        self._insert(item)

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem:
        item: StorageItem = self._table.get(item_id, self._mine(client_id))
        return item

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None:
        self._table.pop(item_id, self._mine(client_id))

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda i: i.created_at)

    async def count_items(self, client_id: ClientId) -> int:
        return sum(1 for _ in self._table.select(self._mine(client_id)))

    async def add_reservation(self, reservation: UploadReservation) -> None:
        if not self._visible(reservation):
            raise NotFound("client", reservation.client_id)
        self._reservations.put(reservation.id, reservation)

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation:
        return self._reservations.get(reservation_id, self._mine(client_id))

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None:
        self._reservations.pop(reservation_id, self._mine(client_id))

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        return list(self._reservations.select(lambda r: self._visible(r) and r.expired(now)))


class MemoryQuotaLedger(Scoped):
    kind = "quota_usage"

    def _key(self, client_id: ClientId, resource: Resource, period: str) -> tuple[ClientId, str, str]:
        if not in_scope(self._scope, client_id):
            raise NotFound("client", client_id)
        return client_id, resource.value, period

    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        key = self._key(client_id, resource, period)
        self._store.usage[key] = admit(resource, self._store.usage.get(key, 0), amount, limit)
        return self._store.usage[key]

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        key = self._key(client_id, resource, period)
        self._store.usage[key] = max(self._store.usage.get(key, 0) - amount, 0)
        return self._store.usage[key]

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int:
        return self._store.usage.get(self._key(client_id, resource, period), 0)

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        return {resource: await self.used(client_id, resource, period) for resource, period in periods.items()}


class MemoryAuditLog(Scoped):
    kind = "audit_event"

    async def record(self, event: AuditEvent) -> None:
        if not in_scope(self._scope, event.client_id):
            raise NotFound("client", event.client_id)
        self._table.put(event.id, event)

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]:
        rows = self._table.select(
            lambda e: in_scope(self._scope, e.client_id) and (client_id is None or e.client_id == client_id)
        )
        return sorted(rows, key=lambda e: e.occurred_at, reverse=True)[:limit]
