"""The repository contract, written once and run against every adapter.

It covers each repository method the unit-of-work contract leaves out, and the scope rules: a unit of
work scoped to one client neither sees, changes nor writes another client's rows. A subclass provides
the `uow_factory` fixture. Adapters may share one database between tests, so every query that spans
clients is checked against the rows the test itself wrote, never against a total.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import (
    AuditEventId,
    ClientId,
    DomainId,
    MemberId,
    MessageId,
    MilestoneId,
    ReservationId,
    StorageItemId,
    TicketId,
    UserId,
)
from arco_domain.model.access import DataScope
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
from arco_domain.model.domains import Domain, DomainStatus, SslStatus
from arco_domain.model.money import Money
from arco_domain.model.paging import PageRequest
from arco_domain.model.projects import Milestone, Project, ProjectStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.sla import BusinessCalendar, SlaPolicy
from arco_domain.model.storage import RESERVATION_TTL, StorageItem, UploadReservation
from arco_domain.model.tickets import Actor, Ticket, TicketMessage, TicketPriority, TicketStatus
from arco_domain.model.tiers import Resource, Tier
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed

FOUR_HOURS = SlaPolicy(timedelta(hours=4), timedelta(hours=48))
NO_SLA = SlaPolicy(None, None)


def unique_email(who: str = "someone") -> str:
    return f"{who}-{uuid4().hex[:12]}@example.com"


def new_user(email: str | None = None) -> User:
    return User(
        id=UserId(uuid4()), email=email or unique_email(), user_type=UserType.CLIENT, created_at=NOW, full_name="Ana"
    )


def new_member(
    client_id: ClientId, *, email: str | None = None, at: timedelta = timedelta(), user: User | None = None
) -> Member:
    return Member(
        id=MemberId(uuid4()), client_id=client_id, email=email or unique_email("member"), role=MemberRole.MEMBER,
        status=MemberStatus.INVITED if user is None else MemberStatus.ACTIVE, created_at=NOW + at,
        user_id=None if user is None else user.id,
    )  # fmt: skip


def new_milestone(project: Project, title: str, due: date | None, *, at: timedelta = timedelta()) -> Milestone:
    return Milestone(
        id=MilestoneId(uuid4()), project_id=project.id, client_id=project.client_id, title=title, due_date=due,
        created_at=NOW + at,
    )  # fmt: skip


def new_domain(client_id: ClientId, name: str | None = None) -> Domain:
    return Domain(
        id=DomainId(uuid4()), client_id=client_id, name=name or f"d{uuid4().hex[:12]}.com.br",
        status=DomainStatus.ACTIVE, nameservers=("ns1.example.net", "ns2.example.net"), ssl_status=SslStatus.ACTIVE,
        ssl_expires_on=date(2026, 8, 1), renewal_date=date(2027, 5, 4), project_id=None, created_at=NOW,
    )  # fmt: skip


def new_ticket(client_id: ClientId, *, at: timedelta = timedelta(), sla: SlaPolicy = FOUR_HOURS) -> Ticket:
    return Ticket.open(
        id=TicketId(uuid4()), client_id=client_id, created_by=UserId(uuid4()), subject="Site down",
        description="500s everywhere", priority=TicketPriority.HIGH, created_at=NOW + at, sla=sla,
    )  # fmt: skip


def resolved(ticket: Ticket, at: timedelta) -> Ticket:
    """The ticket taken by staff from open through in progress to resolved at `NOW + at`."""
    ticket.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + at - timedelta(minutes=1))
    ticket.move(TicketStatus.RESOLVED, actor=Actor.STAFF, at=NOW + at)
    return ticket


def new_message(
    ticket: Ticket, body: str, *, at: timedelta, staff: bool = True, internal: bool = False
) -> TicketMessage:
    return TicketMessage(
        id=MessageId(uuid4()), ticket_id=ticket.id, client_id=ticket.client_id, author_id=UserId(uuid4()),
        author_is_staff=staff, body=body, created_at=NOW + at, attachments=("shot.png",), internal=internal,
    )  # fmt: skip


def new_item(client_id: ClientId, name: str = "logo.png", *, at: timedelta = timedelta()) -> StorageItem:
    return StorageItem(
        id=StorageItemId(uuid4()), client_id=client_id, file_name=name, blob_key=f"{client_id}/{uuid4()}",
        size_bytes=2048, created_at=NOW + at, content_type="image/png",
    )  # fmt: skip


def new_reservation(client_id: ClientId, *, expires_in: timedelta = RESERVATION_TTL) -> UploadReservation:
    return UploadReservation(
        id=ReservationId(uuid4()), client_id=client_id, size_bytes=4096, file_name="video.mp4", created_at=NOW,
        expires_at=NOW + expires_in,
    )  # fmt: skip


def new_event(client_id: ClientId | None, action: str = "tier.changed", *, at: timedelta = timedelta()) -> AuditEvent:
    return AuditEvent(
        id=AuditEventId(uuid4()), action=action, occurred_at=NOW + at, client_id=client_id,
        actor_id=UserId(uuid4()), details={"from": "free", "to": "pro", "seats": 3},
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Holdings:
    """One committed row of every kind, all belonging to `client`."""

    client: Client
    user: User
    member: Member
    project: Project
    milestone: Milestone
    domain: Domain
    ticket: Ticket
    message: TicketMessage
    item: StorageItem
    reservation: UploadReservation
    event: AuditEvent


async def seed_holdings(factory: UnitOfWorkFactory) -> Holdings:
    client = await seed(factory, new_client())
    user = new_user()
    project = new_project(client.id)
    # Resolved but never answered, so it belongs in both cross-client ticket queries.
    ticket = resolved(new_ticket(client.id), timedelta(hours=1))
    holdings = Holdings(
        client=client, user=user, member=new_member(client.id, user=user), project=project,
        milestone=new_milestone(project, "Kick-off", date(2026, 6, 1)), domain=new_domain(client.id), ticket=ticket,
        message=new_message(ticket, "We are on it", at=timedelta(minutes=30)), item=new_item(client.id),
        reservation=new_reservation(client.id, expires_in=timedelta(hours=1)), event=new_event(client.id),
    )  # fmt: skip
    async with factory(DataScope.of_client(client.id)) as uow:
        await uow.users.add(user)
        await uow.members.add(holdings.member)
        await uow.projects.add(project)
        await uow.milestones.add(holdings.milestone)
        await uow.domains.add(holdings.domain)
        await uow.tickets.add(ticket)
        await uow.tickets.add_message(holdings.message)
        await uow.storage.add_item(holdings.item)
        await uow.storage.add_reservation(holdings.reservation)
        await uow.audit.record(holdings.event)
        await uow.commit()
    return holdings


ForeignWrite = Callable[[UnitOfWork, Holdings], Awaitable[None]]

FOREIGN_WRITES: dict[str, ForeignWrite] = {
    "client": lambda uow, _: uow.clients.add(new_client()),
    "member": lambda uow, theirs: uow.members.add(new_member(theirs.client.id)),
    "project": lambda uow, theirs: uow.projects.add(new_project(theirs.client.id)),
    "milestone": lambda uow, theirs: uow.milestones.add(new_milestone(theirs.project, "Launch", None)),
    "domain": lambda uow, theirs: uow.domains.add(new_domain(theirs.client.id)),
    "ticket": lambda uow, theirs: uow.tickets.add(new_ticket(theirs.client.id)),
    "message": lambda uow, theirs: uow.tickets.add_message(new_message(theirs.ticket, "Hi", at=timedelta(hours=2))),
    "storage item": lambda uow, theirs: uow.storage.add_item(new_item(theirs.client.id)),
    "reservation": lambda uow, theirs: uow.storage.add_reservation(new_reservation(theirs.client.id)),
    "audit event": lambda uow, theirs: uow.audit.record(new_event(theirs.client.id)),
}
"""Each writes a new row for the other client (or, for "client", a client other than the scope's)."""


class RepositoryContract:
    # --- clients ---------------------------------------------------------------------------------------------

    async def test_an_updated_client_comes_back_with_every_field(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        client.name = "Contract Co Ltda"
        client.tier = Tier.ENTERPRISE
        client.custom_limits = {Resource.STORAGE_BYTES: 500 * 1024**3, Resource.PROJECTS: None}
        client.billing_period = BillingPeriod(NOW, NOW + timedelta(days=30))
        client.subscription_status = SubscriptionStatus.PAST_DUE
        client.time_zone = "Asia/Tokyo"
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.clients.update(client)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.clients.get(client.id) == client

    async def test_a_client_is_found_by_its_billing_customer_and_by_a_long_failed_payment(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        overdue = new_client(Tier.PRO)
        overdue.billing = BillingAccount(f"cus_{uuid4().hex}", "sub_1", NOW, past_due_since=NOW - timedelta(days=8))
        recent = new_client(Tier.PRO)
        recent.billing = BillingAccount(f"cus_{uuid4().hex}", "sub_2", NOW, past_due_since=NOW - timedelta(days=1))
        for client in (overdue, recent):
            await seed(uow_factory, client)
        async with uow_factory(DataScope.all_clients()) as uow:
            assert overdue.billing is not None
            assert await uow.clients.find_by_billing_customer(overdue.billing.customer_id) == overdue
            assert await uow.clients.find_by_billing_customer("cus_nobody") is None
            found = {c.id for c in await uow.clients.past_due_before(NOW - timedelta(days=7))}
        assert overdue.id in found and recent.id not in found

    async def test_updating_a_client_that_does_not_exist_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        ghost = new_client()
        async with uow_factory(DataScope.all_clients()) as uow:
            with pytest.raises(NotFound):
                await uow.clients.update(ghost)

    async def test_clients_are_listed_in_id_order_a_page_at_a_time(self, uow_factory: UnitOfWorkFactory) -> None:
        # Consecutive ids under a random prefix: no other test's client can fall between them.
        base = uuid4().int & ~0xFF
        ids = [ClientId(UUID(int=base + n)) for n in (3, 1, 2)]
        for client_id in ids:
            await seed(uow_factory, Client(id=client_id, name=f"Client {client_id}", tier=Tier.BASIC, created_at=NOW))
        first, second, third = sorted(ids)
        async with uow_factory(DataScope.all_clients()) as uow:
            page = await uow.clients.list_all(limit=2, after=ClientId(UUID(int=base)))
            assert [c.id for c in page] == [first, second]
            next_page = await uow.clients.list_all(limit=2, after=second)
            assert next_page[0].id == third
            assert next_page[0] == Client(id=third, name=f"Client {third}", tier=Tier.BASIC, created_at=NOW)
            assert await uow.clients.list_all(limit=0, after=ClientId(UUID(int=base))) == []

    # --- users -----------------------------------------------------------------------------------------------

    async def test_a_user_is_found_by_id_and_by_email(self, uow_factory: UnitOfWorkFactory) -> None:
        user = new_user()
        async with uow_factory(DataScope.all_clients()) as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.users.get(user.id) == user
            assert await uow.users.find_by_email(user.email) == user
            assert await uow.users.find_by_email(unique_email("nobody")) is None
            with pytest.raises(NotFound):
                await uow.users.get(UserId(uuid4()))

    async def test_a_second_user_with_a_taken_email_is_a_conflict(self, uow_factory: UnitOfWorkFactory) -> None:
        first = new_user()
        async with uow_factory(DataScope.all_clients()) as uow:
            await uow.users.add(first)
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            with pytest.raises(Conflict):
                await uow.users.add(new_user(first.email))
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.users.find_by_email(first.email) == first

    # --- members ---------------------------------------------------------------------------------------------

    async def test_members_come_back_equal_and_listed_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        user = new_user()
        owner = new_member(client.id, user=user)
        invited_later = new_member(client.id, at=timedelta(days=2))
        invited_earlier = new_member(client.id, at=timedelta(days=1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.users.add(user)
            for member in (invited_later, owner, invited_earlier):
                await uow.members.add(member)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.members.get(client.id, owner.id) == owner
            assert await uow.members.list_for_client(client.id) == [owner, invited_earlier, invited_later]

    async def test_a_removed_member_is_gone(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        staying, leaving = new_member(client.id), new_member(client.id, at=timedelta(hours=1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.members.add(staying)
            await uow.members.add(leaving)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.members.remove(client.id, leaving.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.members.get(client.id, leaving.id)
            with pytest.raises(NotFound):
                await uow.members.remove(client.id, leaving.id)
            assert await uow.members.list_for_client(client.id) == [staying]

    async def test_a_users_seat_is_on_the_team_they_joined_with_its_role(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        user = new_user()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.users.add(user)
            await uow.members.add(new_member(client.id, user=user))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            seat = await uow.members.of_user(user.id)
            assert seat is not None and (seat.client_id, seat.role) == (client.id, MemberRole.MEMBER)
            assert await uow.members.of_user(UserId(uuid4())) is None

    async def test_an_email_already_on_the_team_is_a_conflict(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        first = new_member(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.members.add(first)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(Conflict):
                await uow.members.add(new_member(client.id, email=first.email))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.members.list_for_client(client.id) == [first]

    async def test_the_same_email_may_join_another_clients_team(self, uow_factory: UnitOfWorkFactory) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        email = unique_email("consultant")
        elsewhere = new_member(other.id, email=email)
        async with uow_factory(DataScope.of_client(one.id)) as uow:
            await uow.members.add(new_member(one.id, email=email))
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            await uow.members.add(elsewhere)
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            assert await uow.members.list_for_client(other.id) == [elsewhere]

    # --- projects and milestones -----------------------------------------------------------------------------

    async def test_an_updated_project_comes_back_with_every_field(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        project = new_project(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.commit()
        changed = replace(
            project, name="Site v2", status=ProjectStatus.DEVELOPMENT, description="New storefront",
            start_date=date(2026, 5, 4), estimated_delivery=date(2026, 7, 1), actual_delivery=date(2026, 6, 28),
            budget_total=Money(Decimal("12500.50"), "USD"), budget_used=Money(Decimal("3000.25"), "USD"),
        )  # fmt: skip
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.update(changed)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.projects.get(client.id, project.id) == changed

    async def test_projects_are_listed_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        old, middle, new = (replace(new_project(client.id, n), created_at=NOW + timedelta(days=d)) for n, d in
                            (("Old", 0), ("Middle", 1), ("New", 2)))  # fmt: skip
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for project in (new, old, middle):
                await uow.projects.add(project)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.projects.list_for_client(client.id) == [old, middle, new]

    async def test_removing_a_project_removes_its_milestones_only(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        doomed, kept = new_project(client.id, "Doomed"), new_project(client.id, "Kept")
        doomed_milestone = new_milestone(doomed, "Design", date(2026, 6, 1))
        kept_milestone = new_milestone(kept, "Design", date(2026, 6, 1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for project in (doomed, kept):
                await uow.projects.add(project)
            for milestone in (doomed_milestone, kept_milestone):
                await uow.milestones.add(milestone)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.remove(client.id, doomed.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.projects.get(client.id, doomed.id)
            with pytest.raises(NotFound):
                await uow.milestones.get(client.id, doomed_milestone.id)
            assert await uow.milestones.list_for_project(client.id, doomed.id) == []
            assert await uow.milestones.list_for_project(client.id, kept.id) == [kept_milestone]
            assert await uow.projects.list_for_client(client.id) == [kept]

    async def test_removing_a_project_detaches_the_domains_and_tickets_that_named_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        project = new_project(client.id)
        domain = replace(new_domain(client.id), project_id=project.id)
        ticket = new_ticket(client.id)
        ticket.project_id = project.id
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.domains.add(domain)
            await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.remove(client.id, project.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert (await uow.domains.get(client.id, domain.id)).project_id is None
            assert (await uow.tickets.get(client.id, ticket.id)).project_id is None

    async def test_removing_a_project_that_does_not_exist_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.projects.remove(client.id, new_project(client.id).id)
            with pytest.raises(NotFound):
                await uow.projects.update(new_project(client.id))

    async def test_milestones_are_listed_by_due_date_with_undated_ones_last(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client())
        project, other_project = new_project(client.id), new_project(client.id, "Other")
        undated_early = new_milestone(project, "Retrospective", None, at=timedelta(hours=1))
        undated_late = new_milestone(project, "Handover", None, at=timedelta(hours=2))
        july = new_milestone(project, "Launch", date(2026, 7, 1))
        june_late = new_milestone(project, "Content", date(2026, 6, 1), at=timedelta(hours=3))
        june_early = new_milestone(project, "Design", date(2026, 6, 1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.projects.add(other_project)
            for milestone in (undated_late, july, june_late, undated_early, june_early):
                await uow.milestones.add(milestone)
            await uow.milestones.add(new_milestone(other_project, "Elsewhere", date(2026, 5, 1)))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.milestones.get(client.id, july.id) == july
            listed = await uow.milestones.list_for_project(client.id, project.id)
        assert listed == [june_early, june_late, july, undated_early, undated_late]

    async def test_the_milestones_of_every_project_come_in_one_list_by_project(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        first, second = sorted((new_project(client.id, "A"), new_project(client.id, "B")), key=lambda p: p.id)
        elsewhere = new_project(other.id)
        undated, june = new_milestone(second, "Handover", None), new_milestone(second, "Design", date(2026, 6, 1))
        july = new_milestone(first, "Launch", date(2026, 7, 1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(second)
            await uow.projects.add(first)
            for milestone in (undated, july, june):
                await uow.milestones.add(milestone)
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            await uow.projects.add(elsewhere)
            await uow.milestones.add(new_milestone(elsewhere, "Elsewhere", date(2026, 5, 1)))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.milestones.list_for_client(client.id) == [july, june, undated]

    async def test_an_updated_milestone_comes_back_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        project = new_project(client.id)
        milestone = new_milestone(project, "Launch", None)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.milestones.add(milestone)
            await uow.commit()
        done = replace(milestone, title="Launch day", due_date=date(2026, 6, 15), completed_at=NOW + timedelta(days=40))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.milestones.update(done)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.milestones.get(client.id, milestone.id) == done

    # --- domains ---------------------------------------------------------------------------------------------

    async def test_domains_come_back_equal_and_listed_by_name(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        project = new_project(client.id)
        stem = uuid4().hex[:10]
        zulu = replace(new_domain(client.id, f"zulu-{stem}.com"), project_id=project.id)
        alpha = new_domain(client.id, f"alpha-{stem}.com")
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.projects.add(project)
            await uow.domains.add(zulu)
            await uow.domains.add(alpha)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.get(client.id, zulu.id) == zulu
            assert await uow.domains.list_for_client(client.id) == [alpha, zulu]

    async def test_an_updated_domain_comes_back_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        domain = new_domain(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.domains.add(domain)
            await uow.commit()
        renewed = replace(
            domain, status=DomainStatus.EXPIRED, nameservers=("ns1.cloudflare.com",), ssl_status=SslStatus.NONE,
            ssl_expires_on=None, renewal_date=date(2028, 5, 4),
        )  # fmt: skip
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.domains.update(renewed)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.get(client.id, domain.id) == renewed

    async def test_a_removed_domain_is_gone(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        domain = new_domain(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.domains.add(domain)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.domains.remove(client.id, domain.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.domains.get(client.id, domain.id)
            with pytest.raises(NotFound):
                await uow.domains.remove(client.id, domain.id)
            assert await uow.domains.list_for_client(client.id) == []

    async def test_a_name_another_client_manages_is_a_conflict(self, uow_factory: UnitOfWorkFactory) -> None:
        owner, latecomer = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        taken = new_domain(owner.id)
        async with uow_factory(DataScope.of_client(owner.id)) as uow:
            await uow.domains.add(taken)
            await uow.commit()
        async with uow_factory(DataScope.of_client(latecomer.id)) as uow:
            assert await uow.domains.list_for_client(latecomer.id) == []
            with pytest.raises(Conflict):
                await uow.domains.add(new_domain(latecomer.id, taken.name.upper()))
        async with uow_factory(DataScope.of_client(owner.id)) as uow:
            assert await uow.domains.list_for_client(owner.id) == [taken]

    async def test_renaming_a_domain_to_a_name_another_client_manages_is_a_conflict(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, latecomer = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        taken, mine = new_domain(owner.id), new_domain(latecomer.id)
        async with uow_factory(DataScope.of_client(owner.id)) as uow:
            await uow.domains.add(taken)
            await uow.commit()
        async with uow_factory(DataScope.of_client(latecomer.id)) as uow:
            await uow.domains.add(mine)
            await uow.commit()
        async with uow_factory(DataScope.of_client(latecomer.id)) as uow:
            with pytest.raises(Conflict):
                await uow.domains.update(replace(mine, name=taken.name))

    async def test_a_job_lists_every_clients_domains_by_client_then_name(self, uow_factory: UnitOfWorkFactory) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        stem = uuid4().hex[:10]
        zulu, alpha = new_domain(one.id, f"zulu-{stem}.com"), new_domain(one.id, f"alpha-{stem}.com")
        theirs = new_domain(other.id, f"mike-{stem}.com")
        for domain in (zulu, alpha, theirs):
            async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
                await uow.domains.add(domain)
                await uow.commit()
        mine = {zulu.id, alpha.id, theirs.id}
        async with uow_factory(DataScope.all_clients()) as uow:
            listed = [d for d in await uow.domains.list_all() if d.id in mine]
        assert listed == sorted([alpha, zulu, theirs], key=lambda d: (d.client_id, d.name))
        async with uow_factory(DataScope.of_client(one.id)) as uow:
            assert await uow.domains.list_all() == [alpha, zulu]

    # --- tickets ---------------------------------------------------------------------------------------------

    async def test_an_update_stores_the_state_and_appends_the_new_history(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        agent = new_user()
        calendar = BusinessCalendar("America/Sao_Paulo", frozenset(range(5)), time(9), time(18),
                                    frozenset({date(2026, 5, 1)}))  # fmt: skip
        ticket = new_ticket(client.id, sla=SlaPolicy(timedelta(hours=4), timedelta(hours=48), calendar))
        ticket.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(minutes=5))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.users.add(agent)
            await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            stored = await uow.tickets.get(client.id, ticket.id)
            stored.assigned_to = agent.id
            stored.priority = TicketPriority.URGENT
            stored.first_response_at = NOW + timedelta(minutes=20)
            stored.sla_warned_at = NOW + timedelta(minutes=10)
            stored.move(TicketStatus.WAITING_CLIENT, actor=Actor.STAFF, at=NOW + timedelta(minutes=30))
            stored.move(TicketStatus.IN_PROGRESS, actor=Actor.CLIENT, at=NOW + timedelta(hours=1))
            stored.move(TicketStatus.RESOLVED, actor=Actor.STAFF, at=NOW + timedelta(hours=2))
            await uow.tickets.update(stored)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            again = await uow.tickets.get(client.id, ticket.id)
            assert again == stored
            assert [c.to for c in again.history] == [TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CLIENT,
                                                     TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED]  # fmt: skip
            again.move(TicketStatus.CLOSED, actor=Actor.STAFF, at=NOW + timedelta(hours=3))
            await uow.tickets.update(again)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            closed = await uow.tickets.get(client.id, ticket.id)
        assert closed == again
        assert (closed.status, closed.closed_at, len(closed.history)) == (
            TicketStatus.CLOSED, NOW + timedelta(hours=3), 5
        )  # fmt: skip

    async def test_updating_a_ticket_that_does_not_exist_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.tickets.update(new_ticket(client.id))

    async def test_tickets_are_listed_newest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        oldest, middle, newest = (new_ticket(client.id, at=timedelta(hours=h)) for h in (0, 1, 2))
        middle.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(hours=3))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for ticket in (middle, oldest, newest):
                await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.tickets.list_for_client(client.id) == [newest, middle, oldest]

    async def test_a_listing_shows_each_ticket_as_stored_newest_first_filtered_a_page_at_a_time(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        calendar = BusinessCalendar("America/Sao_Paulo", frozenset(range(5)), time(9), time(18), frozenset())
        ids = sorted(TicketId(uuid4()) for _ in range(4))
        low = replace(new_ticket(client.id), id=ids[0], priority=TicketPriority.LOW)
        answered = replace(new_ticket(client.id, sla=SlaPolicy(timedelta(hours=4), None, calendar)), id=ids[1])
        answered.first_response_at = NOW + timedelta(minutes=30)
        done = resolved(replace(new_ticket(client.id, at=timedelta(hours=1)), id=ids[2]), timedelta(hours=2))
        theirs = replace(new_ticket(other.id), id=ids[3])
        for ticket in (low, answered, done, theirs):
            async with uow_factory(DataScope.of_client(ticket.client_id)) as uow:
                await uow.tickets.add(ticket)
                await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            first = await uow.tickets.search(client.id, PageRequest(limit=2))
            rest = await uow.tickets.search(client.id, PageRequest(limit=2, after=first.next_after))
            high = await uow.tickets.search(client.id, PageRequest(limit=10), priority=TicketPriority.HIGH)
            finished = await uow.tickets.search(client.id, PageRequest(limit=10), status=TicketStatus.RESOLVED)
        assert [*first.items, *rest.items] == [done.overview(), answered.overview(), low.overview()]
        assert rest.next_after is None
        assert list(high.items) == [done.overview(), answered.overview()]
        assert list(finished.items) == [done.overview()]

    async def test_messages_are_listed_oldest_first_and_internal_notes_only_on_request(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client())
        ticket, other_ticket = new_ticket(client.id), new_ticket(client.id)
        question = new_message(ticket, "Still down?", at=timedelta(minutes=1), staff=False)
        note = new_message(ticket, "Probably the CDN", at=timedelta(minutes=2), internal=True)
        answer = new_message(ticket, "Fixed, please check", at=timedelta(minutes=3))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.tickets.add(ticket)
            await uow.tickets.add(other_ticket)
            for message in (answer, question, note):
                await uow.tickets.add_message(message)
            await uow.tickets.add_message(new_message(other_ticket, "Unrelated", at=timedelta(minutes=2)))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            everything = await uow.tickets.list_messages(client.id, ticket.id, include_internal=True)
            public = await uow.tickets.list_messages(client.id, ticket.id, include_internal=False)
        assert everything == [question, note, answer]
        assert public == [question, answer]

    async def test_a_message_on_a_ticket_that_does_not_exist_is_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.tickets.add_message(new_message(new_ticket(client.id), "Hello?", at=timedelta()))

    async def test_tickets_awaiting_a_first_response_without_a_recorded_breach_come_from_every_client(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        waiting, waiting_elsewhere = new_ticket(one.id), new_ticket(other.id)
        without_sla = new_ticket(one.id, sla=NO_SLA)
        answered = new_ticket(one.id)
        answered.first_response_at = NOW + timedelta(minutes=15)
        warned = replace(new_ticket(one.id), sla_warned_at=NOW + timedelta(hours=3, minutes=12))
        # A recorded breach leaves the scan nothing more to record.
        breached = replace(new_ticket(one.id), sla_breached_at=NOW + timedelta(hours=5))
        # A closed ticket waits for nothing, answered or not.
        closed = resolved(new_ticket(one.id), timedelta(hours=1))
        closed.move(TicketStatus.CLOSED, actor=Actor.STAFF, at=NOW + timedelta(hours=2))
        for client_id, tickets in (
            (one.id, (waiting, without_sla, answered, warned, breached, closed)),
            (other.id, (waiting_elsewhere,)),
        ):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                for ticket in tickets:
                    await uow.tickets.add(ticket)
                await uow.commit()
        mine = {t.id for t in (waiting, waiting_elsewhere, without_sla, answered, warned, breached, closed)}
        async with uow_factory(DataScope.all_clients()) as uow:
            found = {t.id: t for t in await uow.tickets.unbreached_awaiting_response() if t.id in mine}
        assert found == {t.id: t for t in (waiting, waiting_elsewhere, warned)}

    async def test_resolved_tickets_are_found_up_to_the_cutoff_in_every_client(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        cutoff = timedelta(days=8)
        early = resolved(new_ticket(one.id), cutoff - timedelta(hours=1))
        on_the_cutoff = resolved(new_ticket(one.id), cutoff)
        too_late = resolved(new_ticket(one.id), cutoff + timedelta(seconds=1))
        elsewhere = resolved(new_ticket(other.id), timedelta(days=1))
        closed = resolved(new_ticket(one.id), timedelta(days=1))
        closed.move(TicketStatus.CLOSED, actor=Actor.STAFF, at=NOW + timedelta(days=2))
        reopened = resolved(new_ticket(one.id), timedelta(days=1))
        reopened.move(TicketStatus.OPEN, actor=Actor.CLIENT, at=NOW + timedelta(days=2))
        still_open = new_ticket(one.id)
        for client_id, tickets in (
            (one.id, (early, on_the_cutoff, too_late, closed, reopened, still_open)),
            (other.id, (elsewhere,)),
        ):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                for ticket in tickets:
                    await uow.tickets.add(ticket)
                await uow.commit()
        mine = {t.id for t in (early, on_the_cutoff, too_late, elsewhere, closed, reopened, still_open)}
        async with uow_factory(DataScope.all_clients()) as uow:
            found = {t.id: t for t in await uow.tickets.resolved_before(NOW + cutoff) if t.id in mine}
        assert found == {t.id: t for t in (early, on_the_cutoff, elsewhere)}

    async def test_tickets_created_in_a_half_open_window_are_found_for_one_client(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        start, end = timedelta(days=1), timedelta(days=2)
        before = new_ticket(one.id, at=start - timedelta(seconds=1))
        at_start = new_ticket(one.id, at=start)
        just_inside = new_ticket(one.id, at=end - timedelta(microseconds=1))
        at_end = new_ticket(one.id, at=end)
        async with uow_factory(DataScope.of_client(one.id)) as uow:
            for ticket in (before, at_start, just_inside, at_end):
                await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            await uow.tickets.add(new_ticket(other.id, at=start + timedelta(hours=1)))
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            found = await uow.tickets.created_between(one.id, NOW + start, NOW + end)
        assert {t.id: t for t in found} == {t.id: t for t in (at_start, just_inside)}

    # --- storage ---------------------------------------------------------------------------------------------

    async def test_storage_items_come_back_equal_listed_oldest_first_and_go(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client())
        uploader, project = new_user(), new_project(client.id)
        first = replace(new_item(client.id, "brief.pdf"), uploaded_by=uploader.id, project_id=project.id)
        second = new_item(client.id, "logo.png", at=timedelta(minutes=5))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.users.add(uploader)
            await uow.projects.add(project)
            await uow.storage.add_item(second)
            await uow.storage.add_item(first)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.storage.get_item(client.id, first.id) == first
            assert await uow.storage.list_items(client.id) == [first, second]
            await uow.storage.remove_item(client.id, first.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.storage.get_item(client.id, first.id)
            with pytest.raises(NotFound):
                await uow.storage.remove_item(client.id, first.id)
            assert await uow.storage.list_items(client.id) == [second]

    async def test_stored_files_are_counted_per_client(self, uow_factory: UnitOfWorkFactory) -> None:
        client, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            for name in ("a.pdf", "b.pdf", "c.pdf"):
                await uow.storage.add_item(new_item(client.id, name))
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            await uow.storage.add_item(new_item(other.id))
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.storage.count_items(client.id) == 3
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            assert await uow.storage.count_items(other.id) == 1

    async def test_a_reservation_comes_back_equal_and_goes(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client())
        reservation = new_reservation(client.id)
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.storage.add_reservation(reservation)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            assert await uow.storage.get_reservation(client.id, reservation.id) == reservation
            await uow.storage.remove_reservation(client.id, reservation.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            with pytest.raises(NotFound):
                await uow.storage.get_reservation(client.id, reservation.id)
            with pytest.raises(NotFound):
                await uow.storage.remove_reservation(client.id, reservation.id)

    async def test_expired_reservations_of_every_client_are_found(self, uow_factory: UnitOfWorkFactory) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        now = NOW + timedelta(hours=2)
        long_expired = new_reservation(one.id, expires_in=timedelta(hours=1))
        expiring_now = new_reservation(one.id, expires_in=timedelta(hours=2))
        live = new_reservation(one.id, expires_in=timedelta(hours=2, seconds=1))
        expired_elsewhere = new_reservation(other.id, expires_in=timedelta(minutes=1))
        for client_id, reservations in ((one.id, (long_expired, expiring_now, live)), (other.id, (expired_elsewhere,))):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                for reservation in reservations:
                    await uow.storage.add_reservation(reservation)
                await uow.commit()
        mine = {r.id for r in (long_expired, expiring_now, live, expired_elsewhere)}
        async with uow_factory(DataScope.all_clients()) as uow:
            found = {r.id: r for r in await uow.storage.expired_reservations(now) if r.id in mine}
        assert found == {r.id: r for r in (long_expired, expiring_now, expired_elsewhere)}

    # --- audit -----------------------------------------------------------------------------------------------

    async def test_recent_audit_events_of_a_client_come_newest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        oldest, middle, newest = (new_event(one.id, f"action.{n}", at=timedelta(minutes=n)) for n in (1, 2, 3))
        async with uow_factory(DataScope.of_client(one.id)) as uow:
            for event in (middle, newest, oldest):
                await uow.audit.record(event)
            await uow.commit()
        async with uow_factory(DataScope.of_client(other.id)) as uow:
            await uow.audit.record(new_event(other.id, at=timedelta(minutes=10)))
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.audit.list_recent(one.id, limit=10) == [newest, middle, oldest]
            assert await uow.audit.list_recent(one.id, limit=2) == [newest, middle]

    async def test_staff_see_the_audit_events_of_every_client(self, uow_factory: UnitOfWorkFactory) -> None:
        one, other = await seed(uow_factory, new_client()), await seed(uow_factory, new_client())
        mine, theirs = new_event(one.id), new_event(other.id)
        for client_id, event in ((one.id, mine), (other.id, theirs)):
            async with uow_factory(DataScope.of_client(client_id)) as uow:
                await uow.audit.record(event)
                await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            seen = {e.id for e in await uow.audit.list_recent(None, limit=10_000)}
        assert {mine.id, theirs.id} <= seen

    # --- scope: another client's rows ------------------------------------------------------------------------

    async def test_every_get_of_another_clients_row_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed_holdings(uow_factory)
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            with pytest.raises(NotFound):
                await uow.clients.get_for_update(theirs.client.id)
            for client_id in (theirs.client.id, mine.id):
                with pytest.raises(NotFound):
                    await uow.members.get(client_id, theirs.member.id)
                with pytest.raises(NotFound):
                    await uow.projects.get(client_id, theirs.project.id)
                with pytest.raises(NotFound):
                    await uow.milestones.get(client_id, theirs.milestone.id)
                with pytest.raises(NotFound):
                    await uow.domains.get(client_id, theirs.domain.id)
                with pytest.raises(NotFound):
                    await uow.tickets.get(client_id, theirs.ticket.id)
                with pytest.raises(NotFound):
                    await uow.projects.get_for_update(client_id, theirs.project.id)
                with pytest.raises(NotFound):
                    await uow.milestones.get_for_update(client_id, theirs.milestone.id)
                with pytest.raises(NotFound):
                    await uow.domains.get_for_update(client_id, theirs.domain.id)
                with pytest.raises(NotFound):
                    await uow.tickets.get_for_update(client_id, theirs.ticket.id)
                with pytest.raises(NotFound):
                    await uow.storage.get_item(client_id, theirs.item.id)
                with pytest.raises(NotFound):
                    await uow.storage.get_reservation(client_id, theirs.reservation.id)

    async def test_every_list_of_another_client_is_empty(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed_holdings(uow_factory)
        them = theirs.client.id
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            assert await uow.members.list_for_client(them) == []
            assert await uow.projects.list_for_client(them) == []
            assert await uow.milestones.list_for_project(them, theirs.project.id) == []
            assert await uow.milestones.list_for_project(mine.id, theirs.project.id) == []
            assert await uow.milestones.list_for_client(them) == []
            assert await uow.domains.list_for_client(them) == []
            assert await uow.tickets.list_for_client(them) == []
            assert await uow.tickets.list_messages(them, theirs.ticket.id, include_internal=True) == []
            assert await uow.tickets.created_between(them, NOW - timedelta(days=1), NOW + timedelta(days=1)) == []
            assert await uow.storage.list_items(them) == []
            assert await uow.storage.count_items(them) == 0
            assert await uow.audit.list_recent(them, limit=100) == []
            assert await uow.audit.list_recent(None, limit=100) == []

    async def test_the_cross_client_queries_see_only_the_scopes_client(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed_holdings(uow_factory)
        later = NOW + timedelta(days=30)

        async def seen(scope: DataScope) -> tuple[bool, ...]:
            async with uow_factory(scope) as uow:
                return (
                    theirs.ticket.id in {t.id for t in await uow.tickets.unbreached_awaiting_response()},
                    theirs.ticket.id in {t.id for t in await uow.tickets.resolved_before(later)},
                    theirs.reservation.id in {r.id for r in await uow.storage.expired_reservations(later)},
                    await uow.members.of_user(theirs.user.id) is not None,
                    theirs.client.id in {c.id for c in await uow.clients.list_all(limit=10_000)},
                )

        # The same queries find the rows when the scope allows, so their absence below means something.
        assert await seen(DataScope.all_clients()) == (True,) * 5
        assert await seen(DataScope.of_client(mine.id)) == (False,) * 5
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            assert await uow.clients.list_all(limit=10_000) == [mine]

    async def test_another_clients_rows_cannot_be_changed_and_stay_intact(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed_holdings(uow_factory)
        them = theirs.client.id
        ticket = replace(theirs.ticket, priority=TicketPriority.LOW, history=list(theirs.ticket.history))
        ticket.move(TicketStatus.CLOSED, actor=Actor.STAFF, at=NOW + timedelta(hours=2))
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            with pytest.raises(NotFound):
                await uow.clients.update(replace(theirs.client, tier=Tier.ENTERPRISE))
            with pytest.raises(NotFound):
                await uow.projects.update(replace(theirs.project, name="Hijacked"))
            with pytest.raises(NotFound):
                await uow.milestones.update(replace(theirs.milestone, completed_at=NOW))
            with pytest.raises(NotFound):
                await uow.domains.update(replace(theirs.domain, status=DomainStatus.SUSPENDED))
            with pytest.raises(NotFound):
                await uow.tickets.update(ticket)
            for client_id in (them, mine.id):
                with pytest.raises(NotFound):
                    await uow.members.remove(client_id, theirs.member.id)
                with pytest.raises(NotFound):
                    await uow.projects.remove(client_id, theirs.project.id)
                with pytest.raises(NotFound):
                    await uow.domains.remove(client_id, theirs.domain.id)
                with pytest.raises(NotFound):
                    await uow.storage.remove_item(client_id, theirs.item.id)
                with pytest.raises(NotFound):
                    await uow.storage.remove_reservation(client_id, theirs.reservation.id)
            # Committed, so a change an adapter let through would stick and show below.
            await uow.commit()
        async with uow_factory(DataScope.of_client(them)) as uow:
            assert await uow.clients.get(them) == theirs.client
            assert await uow.members.list_for_client(them) == [theirs.member]
            assert await uow.projects.list_for_client(them) == [theirs.project]
            assert await uow.milestones.list_for_project(them, theirs.project.id) == [theirs.milestone]
            assert await uow.domains.list_for_client(them) == [theirs.domain]
            assert await uow.tickets.list_for_client(them) == [theirs.ticket]
            assert await uow.tickets.list_messages(them, theirs.ticket.id, include_internal=True) == [theirs.message]
            assert await uow.storage.list_items(them) == [theirs.item]
            assert await uow.storage.get_reservation(them, theirs.reservation.id) == theirs.reservation
            assert await uow.audit.list_recent(them, limit=10) == [theirs.event]

    @pytest.mark.parametrize("kind", FOREIGN_WRITES)
    async def test_a_row_for_another_client_cannot_be_written(self, uow_factory: UnitOfWorkFactory, kind: str) -> None:
        mine, theirs = await seed(uow_factory, new_client()), await seed_holdings(uow_factory)
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            with pytest.raises(NotFound):
                await FOREIGN_WRITES[kind](uow, theirs)
