"""SPEC 4 as properties: random sequences of creates, deletes, uploads, tier changes and period rollovers.

After every step: usage equals the recount of what exists; usage is within the limit unless a downgrade
(or a lowered contract limit) put it above, and then only creates are refused; a refused create changes
nothing; a new ticket period starts at zero.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.sandbox_dns import MemorySandboxDnsStore
from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.errors import QuotaExceeded
from arco_domain.ids import UserId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import SubscriptionStatus, UserType
from arco_domain.model.quotas import STOCK_PERIOD, BillingPeriod
from arco_domain.model.storage import MAX_UPLOAD_BYTES, RESERVATION_TTL
from arco_domain.model.tiers import Resource, Tier
from arco_domain.use_cases.clients import ChangePlan, GetUsage, RegisterClient, Subscription
from arco_domain.use_cases.domains import AddDomain, RemoveDomain
from arco_domain.use_cases.members import InviteMember, RemoveMember
from arco_domain.use_cases.projects import CreateProject, DeleteProject
from arco_domain.use_cases.storage import (
    AbortUpload,
    CompleteUpload,
    DeleteStoredFile,
    ExpireUploadReservations,
    ReserveUpload,
)
from arco_domain.use_cases.tickets import CreateTicket
from tests.use_case_ports import with_declared_ports

T = TypeVar("T")
STOCKS = (Resource.PROJECTS, Resource.DOMAINS, Resource.TEAM_MEMBERS, Resource.STORAGE_BYTES)
# Small contract limits keep storage sequences short enough to reach the limit.
SMALL_STORAGE = 3 * MAX_UPLOAD_BYTES


class QuotaMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(datetime(2026, 1, 15, 10, tzinfo=UTC))
        self.uow = MemoryUnitOfWorkFactory()
        dns = SandboxDnsProvider(MemorySandboxDnsStore(), clock=self.clock)
        ports: dict[str, Any] = {"uow": self.uow, "clock": self.clock, "ids": Uuid7Generator(), "dns": dns}
        self.staff = Principal(UserId(Uuid7Generator().new_id()), UserType.ADMIN)
        register = with_declared_ports(RegisterClient, ports)
        registration = self.run(register(email="owner@example.com", company_name="Acme"))
        self.client_id = registration.client.id
        self.owner = Principal(
            registration.user.id, UserType.CLIENT, self.client_id, client_role=registration.owner.role
        )
        self.use = {
            cls: with_declared_ports(cls, ports) for cls in (
            AddDomain, RemoveDomain, CreateProject, DeleteProject, InviteMember, RemoveMember, ReserveUpload,
            CompleteUpload, AbortUpload, DeleteStoredFile, ExpireUploadReservations, CreateTicket, ChangePlan,
            GetUsage,
        )}  # fmt: skip
        self.run(
            self.use[ChangePlan](self.staff, self.client_id, custom_limits={Resource.STORAGE_BYTES: SMALL_STORAGE})
        )
        self.ceiling: dict[Resource, int] = {}
        """Usage found above the limit right after a limit was lowered; creates may never raise it."""
        self.domain_counter = 0
        self.ticket_periods: dict[object, str] = {}
        """The quota period in force when each ticket was opened: the one it was counted in."""

    def teardown(self) -> None:
        self.loop.close()

    def run(self, step: Awaitable[T]) -> T:
        return self.loop.run_until_complete(step)

    # --- reading the truth -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            async with self.uow(DataScope.of_client(self.client_id)) as uow:
                client = await uow.clients.get(self.client_id)
                items = await uow.storage.list_items(self.client_id)
                reservations = [
                    r for r in await uow.storage.expired_reservations(datetime.max.replace(tzinfo=UTC))
                    if r.client_id == self.client_id
                ]  # fmt: skip
                period = client.quota_period(Resource.SUPPORT_TICKETS, self.clock.now())
                tickets = await uow.tickets.list_for_client(self.client_id)
                live = {
                    Resource.PROJECTS: len(await uow.projects.list_for_client(self.client_id)),
                    Resource.DOMAINS: len(await uow.domains.list_for_client(self.client_id)),
                    Resource.TEAM_MEMBERS: len(await uow.members.list_for_client(self.client_id)),
                    Resource.STORAGE_BYTES: sum(i.size_bytes for i in items) + sum(r.size_bytes for r in reservations),
                    Resource.SUPPORT_TICKETS: sum(1 for t in tickets if self.ticket_periods[t.id] == period),
                }  # fmt: skip
                used = {r: await uow.quotas.used(self.client_id, r, STOCK_PERIOD) for r in STOCKS}
                used[Resource.SUPPORT_TICKETS] = await uow.quotas.used(self.client_id, Resource.SUPPORT_TICKETS, period)
                return {
                    "client": client, "live": live, "used": used, "items": items, "reservations": reservations,
                    "members": await uow.members.list_for_client(self.client_id),
                    "projects": await uow.projects.list_for_client(self.client_id),
                    "domains": await uow.domains.list_for_client(self.client_id),
                }  # fmt: skip

        return self.run(read())

    def attempt_create(self, resource: Resource, amount: int, step: Awaitable[object]) -> None:
        """Run a create and check it was admitted exactly when the rule says it should be."""
        before = self.snapshot()
        limit = before["client"].limit(resource)
        should_pass = limit is None or before["used"][resource] + amount <= limit
        try:
            self.run(step)
        except QuotaExceeded as refused:
            assert not should_pass, f"{resource} refused although {before['used'][resource]}+{amount} <= {limit}"
            assert (refused.used, refused.limit, refused.requested) == (before["used"][resource], limit, amount)
            after = self.snapshot()
            assert after["used"] == before["used"] and after["live"] == before["live"], "a refused create wrote"
            return
        assert should_pass, f"{resource} admitted past the limit: {before['used'][resource]}+{amount} > {limit}"

    # --- creates -----------------------------------------------------------------------------------

    @rule()
    def create_project(self) -> None:
        self.attempt_create(Resource.PROJECTS, 1, self.use[CreateProject](self.owner, self.client_id, name="Site"))

    @rule()
    def add_domain(self) -> None:
        self.domain_counter += 1
        step = self.use[AddDomain](self.owner, self.client_id, name=f"site{self.domain_counter}.com.br")
        self.attempt_create(Resource.DOMAINS, 1, step)

    @rule()
    def invite_member(self) -> None:
        self.domain_counter += 1
        step = self.use[InviteMember](self.owner, self.client_id, email=f"person{self.domain_counter}@example.com")
        self.attempt_create(Resource.TEAM_MEMBERS, 1, step)

    @rule(size=st.integers(min_value=1, max_value=MAX_UPLOAD_BYTES))
    def reserve_upload(self, size: int) -> None:
        step = self.use[ReserveUpload](self.owner, self.client_id, file_name="report.pdf", size_bytes=size)
        self.attempt_create(Resource.STORAGE_BYTES, size, step)

    @rule()
    def create_ticket(self) -> None:
        client = self.snapshot()["client"]
        period = client.quota_period(Resource.SUPPORT_TICKETS, self.clock.now())

        async def create_and_note_its_period() -> None:
            ticket = await self.use[CreateTicket](self.owner, subject="Help", description="The form is broken")
            self.ticket_periods[ticket.id] = period

        self.attempt_create(Resource.SUPPORT_TICKETS, 1, create_and_note_its_period())

    # --- deletes and settlements -------------------------------------------------------------------

    @rule(data=st.data())
    def delete_something(self, data: st.DataObject) -> None:
        state = self.snapshot()
        deletions: list[Callable[[], Awaitable[None]]] = []
        if state["projects"]:
            project = data.draw(st.sampled_from(state["projects"]))
            deletions.append(lambda: self.use[DeleteProject](self.owner, self.client_id, project.id))
        if state["domains"]:
            domain = data.draw(st.sampled_from(state["domains"]))
            deletions.append(lambda: self.use[RemoveDomain](self.owner, self.client_id, domain.id))
        invited = [m for m in state["members"] if m.role != "owner"]
        if invited:
            member = data.draw(st.sampled_from(invited))
            deletions.append(lambda: self.use[RemoveMember](self.owner, self.client_id, member.id))
        if state["items"]:
            item = data.draw(st.sampled_from(state["items"]))
            deletions.append(lambda: self.use[DeleteStoredFile](self.owner, self.client_id, item.id))
        if deletions:
            self.run(data.draw(st.sampled_from(deletions))())

    @precondition(lambda self: bool(self.snapshot()["reservations"]))
    @rule(data=st.data(), complete=st.booleans())
    def settle_upload(self, data: st.DataObject, complete: bool) -> None:
        reservation = data.draw(st.sampled_from(self.snapshot()["reservations"]))
        if complete:
            self.run(
                self.use[CompleteUpload](self.owner, self.client_id, reservation.id, blob_key=f"b/{reservation.id}")
            )
        else:
            self.run(self.use[AbortUpload](self.owner, self.client_id, reservation.id))

    @rule()
    def crash_uploads_and_expire_them(self) -> None:
        self.clock.advance(RESERVATION_TTL)
        self.run(self.use[ExpireUploadReservations]())
        assert self.snapshot()["reservations"] == []

    # --- limits move -------------------------------------------------------------------------------

    def after_limit_change(self) -> None:
        state = self.snapshot()
        for resource in Resource:
            limit = state["client"].limit(resource)
            used = state["used"][resource]
            if limit is not None and used > limit:
                self.ceiling[resource] = max(self.ceiling.get(resource, 0), used)

    @rule(tier=st.sampled_from(Tier), paid_period_days=st.sampled_from([None, 30]), by_billing=st.booleans())
    def change_tier(self, tier: Tier, paid_period_days: int | None, by_billing: bool) -> None:
        """A change by the billing system (with a subscription) or by staff (keeping the stored one)."""
        period = None
        if paid_period_days is not None:
            start = self.clock.now() - timedelta(days=1)
            period = BillingPeriod(start, start + timedelta(days=paid_period_days))
        if by_billing:
            subscription = Subscription(SubscriptionStatus.ACTIVE, period)
            self.run(self.use[ChangePlan](None, self.client_id, tier=tier, subscription=subscription))
        else:
            self.run(self.use[ChangePlan](self.staff, self.client_id, tier=tier))
        self.after_limit_change()

    @rule(storage=st.sampled_from([SMALL_STORAGE, MAX_UPLOAD_BYTES, None]), projects=st.sampled_from([0, 2, None]))
    def set_contract_limits(self, storage: int | None, projects: int | None) -> None:
        limits = {Resource.STORAGE_BYTES: storage, Resource.PROJECTS: projects}
        self.run(self.use[ChangePlan](self.staff, self.client_id, custom_limits=limits))
        self.after_limit_change()

    @rule(days=st.integers(min_value=1, max_value=45))
    def time_passes(self, days: int) -> None:
        before = self.clock.now()
        self.clock.advance(timedelta(days=days))
        client = self.snapshot()["client"]
        old = client.quota_period(Resource.SUPPORT_TICKETS, before)
        new = client.quota_period(Resource.SUPPORT_TICKETS, self.clock.now())
        if new != old:
            assert self.snapshot()["used"][Resource.SUPPORT_TICKETS] == 0, "a new period did not start at zero"
        self.after_limit_change()

    # --- invariants --------------------------------------------------------------------------------

    @invariant()
    def usage_is_the_recount_and_stays_within_the_limit_unless_a_limit_was_lowered_under_it(self) -> None:
        state = self.snapshot()
        assert state["used"] == state["live"]
        for resource, used in state["used"].items():
            limit = state["client"].limit(resource)
            if limit is not None and used > limit:
                assert used <= self.ceiling.get(resource, -1), f"{resource} grew past its limit by a create"

    @invariant()
    def the_usage_report_agrees_with_the_ledger(self) -> None:
        state = self.snapshot()
        report = {s.resource: s for s in self.run(self.use[GetUsage](self.owner, self.client_id))}
        for resource, status in report.items():
            assert status.used == state["used"][resource]
            assert status.over_limit == (status.limit is not None and status.used > status.limit)


QuotaMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=list(settings().suppress_health_check),
)
TestQuotaMachine = QuotaMachine.TestCase
