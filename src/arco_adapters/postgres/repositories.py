"""PostgreSQL repositories. Each translates rows to domain entities and database errors to domain errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import (
    JSON,
    Executable,
    Row,
    Select,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import faults_as_unavailable, sqlstate
from arco_domain.errors import Conflict, NotFound, QuotaExceeded, ValidationError
from arco_domain.ids import (
    AuditEventId,
    ClientId,
    DomainId,
    MemberId,
    MessageId,
    MilestoneId,
    ProjectId,
    ReservationId,
    StorageItemId,
    TicketId,
    UserId,
)
from arco_domain.model.audit import AuditEvent
from arco_domain.model.clients import (
    BillingAccount,
    Client,
    Member,
    MemberRole,
    MemberStatus,
    SubscriptionStatus,
    User,
    UserType,
)
from arco_domain.model.domains import Domain, DomainStatus, HostnameStatus, SslStatus
from arco_domain.model.money import Money
from arco_domain.model.notifications import Language
from arco_domain.model.paging import Page, PageRequest, page_of
from arco_domain.model.projects import Milestone, Project, ProjectStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.sla import BusinessCalendar, SlaPolicy
from arco_domain.model.storage import StorageItem, UploadReservation
from arco_domain.model.tickets import Actor, StatusChange, Ticket, TicketMessage, TicketPriority, TicketStatus
from arco_domain.model.tiers import Resource, Tier

_UNIQUE, _FOREIGN_KEY, _CHECK, _RLS = "23505", "23503", "23514", "42501"
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})  # a NUL byte, or a character the encoding cannot hold


def _refuse(error: DBAPIError) -> NoReturn:
    """Re-raise a database refusal as the domain error that means the same."""
    origin = error.orig
    state = sqlstate(error)
    detail = str(getattr(origin, "__cause__", None) or origin).splitlines()[0]
    if state == _UNIQUE:
        raise Conflict("a record with the same unique values already exists") from error
    if state == _FOREIGN_KEY:
        raise NotFound("referenced row", detail) from error
    if state == _CHECK:
        raise ValidationError("the values break a rule of the stored data") from error
    if state in _UNSTORABLE_TEXT:
        raise ValidationError("the text holds characters that cannot be stored (a NUL byte, say)") from error
    if state == _RLS:
        raise NotFound("client", "outside this unit of work's scope") from error
    raise error


class Repository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _run(self, statement: Executable) -> CursorResult[Any]:
        return await self._run_with(statement, None)

    async def _run_with(self, statement: Executable, parameters: Mapping[str, Any] | None) -> CursorResult[Any]:
        """Run `statement` with values for its bound parameters. A database that is gone, or slower than its
        limits, is `Unavailable`; a refusal of the data is the domain error that means the same."""
        try:
            with faults_as_unavailable():
                return await self._connection.execute(statement, parameters)
        except DBAPIError as error:
            _refuse(error)
        except StatementError as error:
            if isinstance(error.orig, UnicodeEncodeError):  # lone surrogates never reach the server
                raise ValidationError("the text is not valid Unicode") from error
            raise

    async def _one(self, statement: Executable, kind: str, key: object) -> Row[Any]:
        row = (await self._run(statement)).first()
        if row is None:
            raise NotFound(kind, key)
        return row

    async def _all(self, statement: Executable) -> Sequence[Row[Any]]:
        return (await self._run(statement)).all()

    async def _must_change(self, statement: Executable, kind: str, key: object) -> None:
        if (await self._run(statement)).rowcount == 0:
            raise NotFound(kind, key)


def locked(query: Select[Any]) -> Select[Any]:
    """`query`, holding the rows it reads until the transaction ends.

    FOR NO KEY UPDATE is the lock an UPDATE that leaves the key alone takes: it queues behind another unit's
    lock or write of the row and then reads the committed row, yet lets rows that refer to the locked one (a
    ticket's messages, a project's milestones) be inserted meanwhile.
    """
    return query.with_for_update(key_share=True)


def _money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount, currency)


# --- clients and people ------------------------------------------------------------------------------------


def _client(row: Row[Any]) -> Client:
    period = None
    if row.billing_period_start is not None:
        period = BillingPeriod(row.billing_period_start, row.billing_period_end)
    return Client(
        id=ClientId(row.id),
        name=row.name,
        tier=Tier(row.tier),
        created_at=row.created_at,
        custom_limits={Resource(k): v for k, v in row.custom_limits.items()},
        billing_period=period,
        subscription_status=SubscriptionStatus(row.subscription_status) if row.subscription_status else None,
        billing=_billing(row),
    )


def _billing(row: Row[Any]) -> BillingAccount | None:
    if row.stripe_customer_id is None:
        return None
    return BillingAccount(
        customer_id=row.stripe_customer_id,
        subscription_id=row.stripe_subscription_id,
        observed_at=row.subscription_observed_at,
        past_due_since=row.past_due_since,
        cancel_at_period_end=row.cancel_at_period_end,
    )


def _client_values(client: Client) -> dict[str, Any]:
    period, billing = client.billing_period, client.billing
    return {
        "name": client.name,
        "tier": client.tier.value,
        "custom_limits": {r.value: v for r, v in client.custom_limits.items()},
        "billing_period_start": period.start if period else None,
        "billing_period_end": period.end if period else None,
        "subscription_status": client.subscription_status.value if client.subscription_status else None,
        "stripe_customer_id": billing.customer_id if billing else None,
        "stripe_subscription_id": billing.subscription_id if billing else None,
        "subscription_observed_at": billing.observed_at if billing else None,
        "past_due_since": billing.past_due_since if billing else None,
        "cancel_at_period_end": billing.cancel_at_period_end if billing else False,
    }


class PostgresClientRepository(Repository):
    async def add(self, client: Client) -> None:
        await self._run(insert(t.clients).values(id=client.id, created_at=client.created_at, **_client_values(client)))

    def _one_of(self, client_id: ClientId) -> Select[Any]:
        return select(t.clients).where(t.clients.c.id == client_id)

    async def get(self, client_id: ClientId) -> Client:
        return _client(await self._one(self._one_of(client_id), "client", client_id))

    async def get_for_update(self, client_id: ClientId) -> Client:
        return _client(await self._one(locked(self._one_of(client_id)), "client", client_id))

    async def update(self, client: Client) -> None:
        statement = (
            update(t.clients).where(t.clients.c.id == client.id).values(updated_at=func.now(), **_client_values(client))
        )
        await self._must_change(statement, "client", client.id)

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        c = t.clients.c
        query = select(t.clients).where(c.tier != Tier.FREE.value, c.past_due_since <= cutoff)
        return [_client(row) for row in await self._all(query)]

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        row = (await self._run(select(t.clients).where(t.clients.c.stripe_customer_id == customer_id))).first()
        return None if row is None else _client(row)

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        query = select(t.clients).order_by(t.clients.c.id).limit(limit)
        if after is not None:
            query = query.where(t.clients.c.id > after)
        return [_client(row) for row in await self._all(query)]


def _user(row: Row[Any]) -> User:
    return User(
        id=UserId(row.id),
        email=row.email,
        user_type=UserType(row.user_type),
        created_at=row.created_at,
        full_name=row.full_name,
        password_hash=row.password_hash,
        language=Language(row.language),
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "user_type": user.user_type.value,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "language": user.language.value,
    }


class PostgresUserRepository(Repository):
    """Users as the agency's role reaches them: the table itself, password hashes included."""

    async def add(self, user: User) -> None:
        await self._run(insert(t.users).values(**_user_values(user)))

    async def get(self, user_id: UserId) -> User:
        return _user(await self._one(select(t.users).where(t.users.c.id == user_id), "user", user_id))

    async def find_by_email(self, email: str) -> User | None:
        row = (await self._run(select(t.users).where(t.users.c.email == email))).first()
        return None if row is None else _user(row)


class PostgresScopedUserRepository(Repository):
    """Users as a client-scoped transaction reaches them, without any grant on the table: the database's
    narrow functions read one user by id or e-mail with the password hash left out, and register client users
    only (never staff)."""

    async def add(self, user: User) -> None:
        fields = {name: None if value is None else str(value) for name, value in _user_values(user).items()}
        await self._run(select(func.arco_register_user(cast(fields, JSONB))))

    async def get(self, user_id: UserId) -> User:
        found = func.arco_user_by_id(user_id).table_valued(*t.users.c)
        return _user(await self._one(select(found), "user", user_id))

    async def find_by_email(self, email: str) -> User | None:
        row = (await self._run(select(func.arco_user_by_email(email).table_valued(*t.users.c)))).first()
        return None if row is None else _user(row)


def _member(row: Row[Any]) -> Member:
    return Member(
        id=MemberId(row.id),
        client_id=ClientId(row.client_id),
        email=row.email,
        role=MemberRole(row.role),
        status=MemberStatus(row.status),
        created_at=row.created_at,
        user_id=UserId(row.user_id) if row.user_id else None,
        full_name=row.full_name,
    )


class PostgresMemberRepository(Repository):
    async def add(self, member: Member) -> None:
        await self._run(
            insert(t.members).values(
                id=member.id,
                client_id=member.client_id,
                user_id=member.user_id,
                email=member.email,
                role=member.role.value,
                status=member.status.value,
                full_name=member.full_name,
                created_at=member.created_at,
            )
        )

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member:
        query = select(t.members).where(t.members.c.client_id == client_id, t.members.c.id == member_id)
        return _member(await self._one(query, "member", member_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]:
        query = select(t.members).where(t.members.c.client_id == client_id).order_by(t.members.c.created_at)
        return [_member(row) for row in await self._all(query)]

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None:
        statement = delete(t.members).where(t.members.c.client_id == client_id, t.members.c.id == member_id)
        await self._must_change(statement, "member", member_id)

    async def of_user(self, user_id: UserId) -> Member | None:
        found = (await self._run(select(t.members).where(t.members.c.user_id == user_id))).first()
        return None if found is None else _member(found)


# --- projects ----------------------------------------------------------------------------------------------


def _project(row: Row[Any]) -> Project:
    return Project(
        id=ProjectId(row.id),
        client_id=ClientId(row.client_id),
        name=row.name,
        status=ProjectStatus(row.status),
        created_at=row.created_at,
        description=row.description,
        start_date=row.start_date,
        estimated_delivery=row.estimated_delivery,
        actual_delivery=row.actual_delivery,
        budget_total=_money(row.budget_total, row.currency),
        budget_used=_money(row.budget_used, row.currency),
    )


def _project_values(project: Project) -> dict[str, Any]:
    currency = next((m.currency for m in (project.budget_total, project.budget_used) if m), "BRL")
    return {
        "name": project.name,
        "description": project.description,
        "status": project.status.value,
        "start_date": project.start_date,
        "estimated_delivery": project.estimated_delivery,
        "actual_delivery": project.actual_delivery,
        "budget_total": project.budget_total.amount if project.budget_total else None,
        "budget_used": project.budget_used.amount if project.budget_used else None,
        "currency": currency,
    }


class PostgresProjectRepository(Repository):
    def _where(self, client_id: ClientId, project_id: ProjectId) -> Any:
        return and_(t.projects.c.client_id == client_id, t.projects.c.id == project_id)

    async def add(self, project: Project) -> None:
        await self._run(
            insert(t.projects).values(
                id=project.id, client_id=project.client_id, created_at=project.created_at, **_project_values(project)
            )
        )

    async def get(self, client_id: ClientId, project_id: ProjectId) -> Project:
        return _project(
            await self._one(select(t.projects).where(self._where(client_id, project_id)), "project", project_id)
        )

    async def get_for_update(self, client_id: ClientId, project_id: ProjectId) -> Project:
        return _project(
            await self._one(locked(select(t.projects).where(self._where(client_id, project_id))), "project", project_id)
        )

    async def list_for_client(self, client_id: ClientId) -> Sequence[Project]:
        query = select(t.projects).where(t.projects.c.client_id == client_id).order_by(t.projects.c.created_at)
        return [_project(row) for row in await self._all(query)]

    async def update(self, project: Project) -> None:
        statement = (
            update(t.projects)
            .where(self._where(project.client_id, project.id))
            .values(updated_at=func.now(), **_project_values(project))
        )
        await self._must_change(statement, "project", project.id)

    async def remove(self, client_id: ClientId, project_id: ProjectId) -> None:
        # Milestones, infrastructure and metrics go with it (ON DELETE CASCADE); tickets, domains and
        # files stay, detached from the project.
        await self._must_change(delete(t.projects).where(self._where(client_id, project_id)), "project", project_id)


def _milestone(row: Row[Any]) -> Milestone:
    return Milestone(
        id=MilestoneId(row.id),
        project_id=ProjectId(row.project_id),
        client_id=ClientId(row.client_id),
        title=row.title,
        due_date=row.due_date,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


class PostgresMilestoneRepository(Repository):
    async def add(self, milestone: Milestone) -> None:
        await self._run(
            insert(t.milestones).values(
                id=milestone.id,
                client_id=milestone.client_id,
                project_id=milestone.project_id,
                title=milestone.title,
                due_date=milestone.due_date,
                completed_at=milestone.completed_at,
                created_at=milestone.created_at,
            )
        )

    def _one_of(self, client_id: ClientId, milestone_id: MilestoneId) -> Select[Any]:
        return select(t.milestones).where(t.milestones.c.client_id == client_id, t.milestones.c.id == milestone_id)

    async def get(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        return _milestone(await self._one(self._one_of(client_id, milestone_id), "milestone", milestone_id))

    async def get_for_update(self, client_id: ClientId, milestone_id: MilestoneId) -> Milestone:
        return _milestone(await self._one(locked(self._one_of(client_id, milestone_id)), "milestone", milestone_id))

    async def list_for_project(self, client_id: ClientId, project_id: ProjectId) -> Sequence[Milestone]:
        m = t.milestones.c
        query = (
            select(t.milestones)
            .where(m.client_id == client_id, m.project_id == project_id)
            .order_by(m.due_date.asc().nulls_last(), m.created_at)
        )
        return [_milestone(row) for row in await self._all(query)]

    async def list_for_client(self, client_id: ClientId) -> Sequence[Milestone]:
        m = t.milestones.c
        query = (
            select(t.milestones)
            .where(m.client_id == client_id)
            .order_by(m.project_id, m.due_date.asc().nulls_last(), m.created_at)
        )
        return [_milestone(row) for row in await self._all(query)]

    async def update(self, milestone: Milestone) -> None:
        m = t.milestones.c
        statement = (
            update(t.milestones)
            .where(m.client_id == milestone.client_id, m.id == milestone.id)
            .values(title=milestone.title, due_date=milestone.due_date, completed_at=milestone.completed_at)
        )
        await self._must_change(statement, "milestone", milestone.id)


# --- domains -----------------------------------------------------------------------------------------------


def _domain(row: Row[Any]) -> Domain:
    return Domain(
        id=DomainId(row.id),
        client_id=ClientId(row.client_id),
        name=row.name,
        status=DomainStatus(row.status),
        nameservers=tuple(row.nameservers),
        ssl_status=SslStatus(row.ssl_status),
        ssl_expires_on=row.ssl_expires_on,
        renewal_date=row.renewal_date,
        project_id=ProjectId(row.project_id) if row.project_id else None,
        created_at=row.created_at,
        zone_id=row.zone_id,
        hostname_status=HostnameStatus(row.hostname_status),
        provider_checked_at=row.provider_checked_at,
        provider_unreachable_since=row.provider_unreachable_since,
    )


def _domain_values(domain: Domain) -> dict[str, Any]:
    return {
        "project_id": domain.project_id,
        "name": domain.name,
        "status": domain.status.value,
        "nameservers": list(domain.nameservers),
        "ssl_status": domain.ssl_status.value,
        "ssl_expires_on": domain.ssl_expires_on,
        "renewal_date": domain.renewal_date,
        "zone_id": domain.zone_id,
        "hostname_status": domain.hostname_status.value,
        "provider_checked_at": domain.provider_checked_at,
        "provider_unreachable_since": domain.provider_unreachable_since,
    }


class PostgresDomainRepository(Repository):
    def _where(self, client_id: ClientId, domain_id: DomainId) -> Any:
        return and_(t.domains.c.client_id == client_id, t.domains.c.id == domain_id)

    async def add(self, domain: Domain) -> None:
        await self._run(
            insert(t.domains).values(
                id=domain.id, client_id=domain.client_id, created_at=domain.created_at, **_domain_values(domain)
            )
        )

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        return _domain(await self._one(select(t.domains).where(self._where(client_id, domain_id)), "domain", domain_id))

    async def get_for_update(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        query = locked(select(t.domains).where(self._where(client_id, domain_id)))
        return _domain(await self._one(query, "domain", domain_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]:
        query = select(t.domains).where(t.domains.c.client_id == client_id).order_by(t.domains.c.name)
        return [_domain(row) for row in await self._all(query)]

    async def list_all(self) -> Sequence[Domain]:
        query = select(t.domains).order_by(t.domains.c.client_id, t.domains.c.name)  # row-level security scopes it
        return [_domain(row) for row in await self._all(query)]

    async def update(self, domain: Domain) -> None:
        statement = (
            update(t.domains)
            .where(self._where(domain.client_id, domain.id))
            .values(updated_at=func.now(), **_domain_values(domain))
        )
        await self._must_change(statement, "domain", domain.id)

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None:
        await self._must_change(delete(t.domains).where(self._where(client_id, domain_id)), "domain", domain_id)


# --- tickets -----------------------------------------------------------------------------------------------


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
    ) -> Page[Ticket]:
        s = t.support_tickets.c
        query = TICKETS_WITH_HISTORY.where(s.client_id == client_id)
        if status is not None:
            query = query.where(s.status == status.value)
        if priority is not None:
            query = query.where(s.priority == priority.value)
        if page.after is not None:
            query = query.where(s.id < page.after)
        tickets = await self._tickets(query.order_by(s.id.desc()).limit(page.limit + 1))
        return page_of(tickets, page, lambda ticket: ticket.id)

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


# --- storage -----------------------------------------------------------------------------------------------


def _item(row: Row[Any]) -> StorageItem:
    return StorageItem(
        id=StorageItemId(row.id),
        client_id=ClientId(row.client_id),
        file_name=row.file_name,
        blob_key=row.blob_key,
        size_bytes=row.size_bytes,
        created_at=row.created_at,
        uploaded_by=UserId(row.uploaded_by) if row.uploaded_by else None,
        content_type=row.content_type,
        project_id=ProjectId(row.project_id) if row.project_id else None,
    )


def _reservation(row: Row[Any]) -> UploadReservation:
    return UploadReservation(
        id=ReservationId(row.id),
        client_id=ClientId(row.client_id),
        size_bytes=row.size_bytes,
        file_name=row.file_name,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class PostgresStorageRepository(Repository):
    async def add_item(self, item: StorageItem) -> None:
        await self._run(
            insert(t.storage_items).values(
                id=item.id,
                client_id=item.client_id,
                project_id=item.project_id,
                file_name=item.file_name,
                blob_key=item.blob_key,
                content_type=item.content_type,
                size_bytes=item.size_bytes,
                uploaded_by=item.uploaded_by,
                created_at=item.created_at,
            )
        )

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem:
        i = t.storage_items.c
        return _item(
            await self._one(select(t.storage_items).where(i.client_id == client_id, i.id == item_id), "file", item_id)
        )

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None:
        i = t.storage_items.c
        await self._must_change(
            delete(t.storage_items).where(i.client_id == client_id, i.id == item_id), "file", item_id
        )

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]:
        i = t.storage_items.c
        query = select(t.storage_items).where(i.client_id == client_id).order_by(i.created_at)
        return [_item(row) for row in await self._all(query)]

    async def count_items(self, client_id: ClientId) -> int:
        i = t.storage_items.c
        return int((await self._run(select(func.count()).where(i.client_id == client_id))).scalar_one())

    async def add_reservation(self, reservation: UploadReservation) -> None:
        await self._run(
            insert(t.upload_reservations).values(
                id=reservation.id,
                client_id=reservation.client_id,
                file_name=reservation.file_name,
                size_bytes=reservation.size_bytes,
                created_at=reservation.created_at,
                expires_at=reservation.expires_at,
            )
        )

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation:
        r = t.upload_reservations.c
        query = select(t.upload_reservations).where(r.client_id == client_id, r.id == reservation_id)
        return _reservation(await self._one(query, "upload", reservation_id))

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None:
        r = t.upload_reservations.c
        statement = delete(t.upload_reservations).where(r.client_id == client_id, r.id == reservation_id)
        await self._must_change(statement, "upload", reservation_id)

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        r = t.upload_reservations.c
        query = select(t.upload_reservations).where(r.expires_at <= now).with_for_update(skip_locked=True)
        return [_reservation(row) for row in await self._all(query)]


# --- quotas and audit --------------------------------------------------------------------------------------


class PostgresQuotaLedger(Repository):
    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        """One statement: create the usage row or add to it, only where `used + amount <= limit`.

        Concurrent admissions on one key queue on the row lock and each re-checks the condition against
        the committed usage before it, so no interleaving passes the limit.
        """
        if amount <= 0:
            raise ValidationError("a quota admission must request a positive amount", field="requested")
        q = t.quota_usage
        fits_fresh = literal(True) if limit is None else literal(amount) <= literal(limit)
        fresh = select(literal(client_id), literal(resource.value), literal(period), literal(amount)).where(fits_fresh)
        upsert = pg_insert(q).from_select(["client_id", "resource", "period", "used"], fresh)
        grow = q.c.used + upsert.excluded.used
        statement = upsert.on_conflict_do_update(
            index_elements=[q.c.client_id, q.c.resource, q.c.period],
            set_={"used": grow},
            where=None if limit is None else grow <= limit,
        ).returning(q.c.used)
        admitted = (await self._run(statement)).scalar()
        if admitted is None:
            assert limit is not None
            used = await self.used(client_id, resource, period)
            raise QuotaExceeded(resource.value, limit=limit, used=used, requested=amount)
        return int(admitted)

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        q = t.quota_usage
        statement = (
            update(q)
            .where(q.c.client_id == client_id, q.c.resource == resource.value, q.c.period == period)
            .values(used=func.greatest(q.c.used - amount, 0))
            .returning(q.c.used)
        )
        remaining = (await self._run(statement)).scalar()
        return 0 if remaining is None else int(remaining)

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        if not periods:
            return {}
        q = t.quota_usage
        wanted = [and_(q.c.resource == resource.value, q.c.period == period) for resource, period in periods.items()]
        query = select(q.c.resource, q.c.used).where(q.c.client_id == client_id, or_(*wanted))
        found = {Resource(row.resource): int(row.used) for row in await self._all(query)}
        return {resource: found.get(resource, 0) for resource in periods}

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int:
        q = t.quota_usage
        query = select(q.c.used).where(q.c.client_id == client_id, q.c.resource == resource.value, q.c.period == period)
        used = (await self._run(query)).scalar()
        return 0 if used is None else int(used)


def _audit(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        id=AuditEventId(row.id),
        action=row.action,
        occurred_at=row.occurred_at,
        client_id=ClientId(row.client_id) if row.client_id else None,
        actor_id=UserId(row.actor_id) if row.actor_id else None,
        impersonator_id=UserId(row.impersonator_id) if row.impersonator_id else None,
        details=dict(row.details),
    )


class PostgresAuditLog(Repository):
    async def record(self, event: AuditEvent) -> None:
        await self._run(
            insert(t.audit_events).values(
                id=event.id,
                client_id=event.client_id,
                action=event.action,
                actor_id=event.actor_id,
                impersonator_id=event.impersonator_id,
                occurred_at=event.occurred_at,
                details=event.details,
            )
        )

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]:
        a = t.audit_events.c
        query = select(t.audit_events).order_by(a.occurred_at.desc()).limit(limit)
        if client_id is not None:
            query = query.where(a.client_id == client_id)
        return [_audit(row) for row in await self._all(query)]
