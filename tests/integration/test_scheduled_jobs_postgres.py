"""The hourly network usage and the daily expiry warnings against real PostgreSQL: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres import tables as t
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.sandbox_traffic import SandboxTrafficSource
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client, MemberRole
from arco_domain.model.domains import Domain, HostnameStatus
from arco_domain.model.network import DailyTraffic
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.use_cases.expiry import WarnOfExpiries
from arco_domain.use_cases.network import RecordNetworkUsage
from tests.contracts.repositories import new_domain, new_member
from tests.contracts.unit_of_work import new_client, new_project, seed

NOW = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
TODAY = NOW.date()
STAFF_INBOX = "support@agency.example"


@dataclass(frozen=True)
class Site:
    client: Client
    owner_email: str
    project: Project
    domain: Domain


async def site(
    uow: PostgresUnitOfWorkFactory, *, ssl_expires_on: date | None = None, renewal_date: date | None = None
) -> Site:
    """A committed client with an owner, a live project and its domain, served (a fresh name each time)."""
    client = await seed(uow, new_client())
    owner = replace(new_member(client.id), role=MemberRole.OWNER)
    project = replace(new_project(client.id), status=ProjectStatus.LIVE)
    domain = replace(
        new_domain(client.id), project_id=project.id, ssl_expires_on=ssl_expires_on, renewal_date=renewal_date,
        hostname_status=HostnameStatus.ACTIVE,
    )  # fmt: skip
    async with uow(DataScope.of_client(client.id)) as unit:
        await unit.members.add(owner)
        await unit.projects.add(project)
        await unit.domains.add(domain)
        await unit.commit()
    return Site(client, owner.email, project, domain)


async def usage_rows(engine: AsyncEngine, client_id: ClientId) -> list[tuple[Any, ...]]:
    """The client's `network_usage` rows, read as the agency role."""
    n = t.network_usage.c
    async with engine.begin() as connection:
        query = (
            select(n.project_id, n.date, n.bandwidth_bytes, n.requests_total, n.requests_2xx, n.requests_5xx)
            .where(n.client_id == client_id)
            .order_by(n.date)
        )
        return [tuple(row) for row in await connection.execute(query)]


async def outbox_rows(engine: AsyncEngine, prefix: str) -> list[tuple[Any, ...]]:
    o = t.job_outbox.c
    async with engine.connect() as connection:
        query = select(o.job, o.dedupe_key, o.payload).where(o.dedupe_key.startswith(prefix)).order_by(o.dedupe_key)
        return [tuple(row) for row in await connection.execute(query)]


def recorder(uow: PostgresUnitOfWorkFactory, clock: ManualClock, source: Any) -> RecordNetworkUsage:
    return RecordNetworkUsage(uow=uow, clock=clock, source=source)


class TestRecordNetworkUsageOnPostgres:
    async def test_running_twice_leaves_the_same_two_rows(
        self, postgres_uow: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        shop = await site(postgres_uow)
        clock = ManualClock(NOW)
        sandbox = SandboxTrafficSource(clock=clock)
        expected = [
            await sandbox.daily_traffic(shop.client.id, shop.project.id, shop.domain.name, day)
            for day in (TODAY - timedelta(days=1), TODAY)
        ]

        first = await recorder(postgres_uow, clock, sandbox)()
        rows = await usage_rows(agency_engine, shop.client.id)
        second = await recorder(postgres_uow, clock, sandbox)()

        assert first.failures == second.failures == ()
        assert await usage_rows(agency_engine, shop.client.id) == rows
        assert rows == [
            (shop.project.id, e.day, e.bandwidth_bytes, e.requests_total, e.requests_2xx, e.requests_5xx)
            for e in expected
            if e is not None
        ]
        assert len(rows) == 2

    async def test_an_hour_later_todays_row_is_restated_in_place(
        self, postgres_uow: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        shop = await site(postgres_uow)
        clock = ManualClock(NOW)
        sandbox = SandboxTrafficSource(clock=clock)
        await recorder(postgres_uow, clock, sandbox)()
        yesterday, today = await usage_rows(agency_engine, shop.client.id)

        clock.advance(timedelta(hours=1))
        await recorder(postgres_uow, clock, sandbox)()

        later_yesterday, later_today = await usage_rows(agency_engine, shop.client.id)
        assert later_yesterday == yesterday
        assert later_today[1] == today[1] == TODAY
        assert later_today[3] > today[3]

    async def test_a_project_removed_while_its_traffic_is_read_is_skipped_not_failed(
        self, postgres_uow: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        doomed = await site(postgres_uow)
        clock = ManualClock(NOW)
        sandbox = SandboxTrafficSource(clock=clock)

        @dataclass
        class RemovingSource:
            """Removes the project on its first read, as a client deleting it mid-run would."""

            removed: bool = False

            async def daily_traffic(
                self, client_id: ClientId, project_id: ProjectId, hostname: str, day: date
            ) -> DailyTraffic | None:
                if project_id == doomed.project.id and not self.removed:
                    self.removed = True
                    async with postgres_uow(DataScope.of_client(client_id)) as unit:
                        await unit.projects.remove(client_id, project_id)
                        await unit.commit()
                return await sandbox.daily_traffic(client_id, project_id, hostname, day)

        source = RemovingSource()
        run = await recorder(postgres_uow, clock, source)()

        assert source.removed
        assert run.failures == ()
        assert run.sites >= 1
        assert await usage_rows(agency_engine, doomed.client.id) == []

    async def test_every_client_sites_are_recorded_in_one_run(
        self, postgres_uow: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        one, other = await site(postgres_uow), await site(postgres_uow)
        clock = ManualClock(NOW)

        run = await recorder(postgres_uow, clock, SandboxTrafficSource(clock=clock))()

        assert run.failures == ()
        assert run.sites >= 2
        for shop in (one, other):
            assert [row[:2] for row in await usage_rows(agency_engine, shop.client.id)] == [
                (shop.project.id, TODAY - timedelta(days=1)),
                (shop.project.id, TODAY),
            ]


class TestWarnOfExpiriesOnPostgres:
    async def test_running_twice_leaves_one_outbox_row_per_mark_for_owner_and_staff(
        self, postgres_uow: PostgresUnitOfWorkFactory, agency_engine: AsyncEngine
    ) -> None:
        shop = await site(
            postgres_uow, ssl_expires_on=TODAY + timedelta(days=7), renewal_date=TODAY + timedelta(days=30)
        )
        other = await site(postgres_uow, ssl_expires_on=TODAY + timedelta(days=8))
        warn = WarnOfExpiries(uow=postgres_uow, clock=ManualClock(NOW), staff_inbox=STAFF_INBOX)

        first = await warn()
        rows = await outbox_rows(agency_engine, f"expiry-{shop.domain.id}-")
        second = await warn()

        assert {w.domain_id for w in first} == {w.domain_id for w in second} >= {shop.domain.id}
        assert await outbox_rows(agency_engine, f"expiry-{shop.domain.id}-") == rows
        assert [(job, key) for job, key, _ in rows] == [
            ("send_email", f"expiry-{shop.domain.id}-renewal-2026-07-01-30"),
            ("send_email", f"expiry-{shop.domain.id}-ssl-2026-06-08-7"),
        ]
        assert {payload["to"] for _, _, payload in rows} == {f"{shop.owner_email}\n{STAFF_INBOX}"}
        assert await outbox_rows(agency_engine, f"expiry-{other.domain.id}-") == []
