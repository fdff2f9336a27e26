"""`RecordNetworkUsage` over the memory adapters, with a scripted traffic source; and the sandbox source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any
from uuid import UUID

from arco_adapters.memory.clock import ManualClock
from arco_adapters.sandbox_traffic import SandboxTrafficSource
from arco_domain.errors import Unavailable
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import Client
from arco_domain.model.network import DailyTraffic
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.network import NetworkUsageRun, RecordNetworkUsage, TrafficFailure
from arco_domain.use_cases.projects import CreateProject
from tests.unit.conftest import START, World

TODAY = START.date()
YESTERDAY = TODAY - timedelta(days=1)


@dataclass
class ScriptedTrafficSource:
    """Answers from a script of requests per (hostname, day); unscripted days have nothing (None)."""

    requests: dict[tuple[str, date], int] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    reads: list[tuple[str, date]] = field(default_factory=list)

    async def daily_traffic(
        self, client_id: ClientId, project_id: ProjectId, hostname: str, day: date
    ) -> DailyTraffic | None:
        self.reads.append((hostname, day))
        if hostname in self.down:
            raise Unavailable("the analytics API answered 503")
        count = self.requests.get((hostname, day))
        return None if count is None else traffic(client_id, project_id, day, count)


def traffic(client_id: ClientId, project_id: ProjectId, day: date, requests: int) -> DailyTraffic:
    return DailyTraffic(client_id, project_id, day, requests * 40_000, requests, requests // 10, requests // 50, 1)


@dataclass
class Site:
    client: Client
    project: Project
    hostname: str


async def site(world: World, hostname: str, status: ProjectStatus = ProjectStatus.LIVE) -> Site:
    client, owner = await world.register(f"owner@{hostname}", hostname)
    await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
    project = await world.build(CreateProject)(owner, client.id, name="Site", status=status)
    await world.serve_domain(owner, client.id, hostname, project.id)
    return Site(client, project, hostname)


def rows(world: World) -> dict[Any, DailyTraffic]:
    """Every recorded daily row, by its natural key (client, project, day)."""
    return dict(world.uow.store.series.get("traffic", {}))


async def record(world: World, source: Any) -> NetworkUsageRun:
    return await world.build(RecordNetworkUsage, source=source)()


class TestRecordNetworkUsage:
    async def test_with_no_source_connected_nothing_is_read_or_invented(self, world: World) -> None:
        await site(world, "shop.example.com")
        run = await record(world, None)
        assert run == NetworkUsageRun(sites=0, days_recorded=0, failures=())
        assert rows(world) == {}

    async def test_yesterday_and_today_of_a_live_site_are_recorded(self, world: World) -> None:
        shop = await site(world, "shop.example.com")
        source = ScriptedTrafficSource({("shop.example.com", YESTERDAY): 900, ("shop.example.com", TODAY): 300})

        run = await record(world, source)

        assert run == NetworkUsageRun(sites=1, days_recorded=2, failures=())
        key = (shop.client.id, shop.project.id)
        assert rows(world) == {
            (*key, YESTERDAY): traffic(*key, YESTERDAY, 900),
            (*key, TODAY): traffic(*key, TODAY, 300),
        }
        assert sorted(source.reads) == [("shop.example.com", YESTERDAY), ("shop.example.com", TODAY)]

    async def test_running_twice_leaves_the_same_rows_and_totals(self, world: World) -> None:
        shop = await site(world, "shop.example.com")
        source = ScriptedTrafficSource({("shop.example.com", YESTERDAY): 900, ("shop.example.com", TODAY): 300})
        await record(world, source)
        first = rows(world)

        await record(world, source)

        assert rows(world) == first
        async with world.uow(DataScope.of_client(shop.client.id)) as uow:
            totals = await uow.metrics.traffic_totals(shop.client.id, YESTERDAY, TODAY)
        assert (totals.requests_2xx, totals.bandwidth_bytes) == (1200, 1200 * 40_000)

    async def test_a_restated_yesterday_replaces_the_row_recorded_the_day_before(self, world: World) -> None:
        shop = await site(world, "shop.example.com")
        source = ScriptedTrafficSource({("shop.example.com", YESTERDAY): 900, ("shop.example.com", TODAY): 300})
        await record(world, source)

        world.clock.advance(timedelta(days=1))  # today's partial 300 is now yesterday, restated as the full day
        source.requests[("shop.example.com", TODAY)] = 1_000
        source.requests[("shop.example.com", TODAY + timedelta(days=1))] = 50
        run = await record(world, source)

        key = (shop.client.id, shop.project.id)
        assert run.days_recorded == 2
        assert rows(world) == {
            (*key, YESTERDAY): traffic(*key, YESTERDAY, 900),
            (*key, TODAY): traffic(*key, TODAY, 1_000),
            (*key, TODAY + timedelta(days=1)): traffic(*key, TODAY + timedelta(days=1), 50),
        }

    async def test_a_day_the_source_has_nothing_for_records_no_row(self, world: World) -> None:
        shop = await site(world, "shop.example.com")
        source = ScriptedTrafficSource({("shop.example.com", YESTERDAY): 900})

        run = await record(world, source)

        assert run.days_recorded == 1
        assert list(rows(world)) == [(shop.client.id, shop.project.id, YESTERDAY)]

    async def test_only_live_and_maintenance_projects_with_a_domain_are_read(self, world: World) -> None:
        live = await site(world, "live.example.com", ProjectStatus.LIVE)
        kept = await site(world, "kept.example.com", ProjectStatus.MAINTENANCE)
        await site(world, "staging.example.com", ProjectStatus.STAGING)
        await site(world, "discovery.example.com", ProjectStatus.DISCOVERY)
        client, owner = await world.register("owner@nodomain.example.com")
        await world.build(CreateProject)(owner, client.id, name="Site without a domain", status=ProjectStatus.LIVE)
        every_day = {(s.hostname, d): 10 for s in (live, kept) for d in (YESTERDAY, TODAY)}
        source = ScriptedTrafficSource(every_day)

        run = await record(world, source)

        assert {hostname for hostname, _ in source.reads} == {"live.example.com", "kept.example.com"}
        assert {key[:2] for key in rows(world)} == {(s.client.id, s.project.id) for s in (live, kept)}
        assert (run.sites, run.days_recorded) == (2, 4)

    async def test_one_sites_failure_is_reported_and_the_others_are_still_recorded(self, world: World) -> None:
        broken = await site(world, "broken.example.com")
        fine = await site(world, "fine.example.com")
        source = ScriptedTrafficSource(
            {("fine.example.com", d): 10 for d in (YESTERDAY, TODAY)}, down={broken.hostname}
        )

        run = await record(world, source)

        assert run.failures == (
            TrafficFailure(
                broken.client.id, broken.project.id, broken.hostname, "Unavailable: the analytics API answered 503"
            ),
        )
        assert (run.sites, run.days_recorded) == (2, 2)
        assert {key[:2] for key in rows(world)} == {(fine.client.id, fine.project.id)}

    async def test_the_days_are_utc_calendar_days_whatever_the_clocks_zone(self, world: World) -> None:
        await site(world, "shop.example.com")
        # 22:00 in São Paulo on March 2nd is already 01:00 UTC on March 3rd.
        world.clock.set(datetime(2026, 3, 2, 22, 0, tzinfo=timezone(timedelta(hours=-3))))
        source = ScriptedTrafficSource()

        await record(world, source)

        assert sorted(day for _, day in source.reads) == [date(2026, 3, 2), date(2026, 3, 3)]

    async def test_with_the_sandbox_the_next_hour_restates_today_and_keeps_yesterday(self, world: World) -> None:
        shop = await site(world, "shop.example.com")
        sandbox = SandboxTrafficSource(clock=world.clock)
        await record(world, sandbox)
        before = rows(world)

        world.clock.advance(timedelta(hours=1))
        run = await record(world, sandbox)

        after = rows(world)
        today, yesterday = (shop.client.id, shop.project.id, TODAY), (shop.client.id, shop.project.id, YESTERDAY)
        assert run == NetworkUsageRun(sites=1, days_recorded=2, failures=())
        assert set(after) == {today, yesterday}
        assert after[yesterday] == before[yesterday]
        assert after[today].requests_total > before[today].requests_total


def source_at(moment: datetime) -> SandboxTrafficSource:
    return SandboxTrafficSource(clock=ManualClock(moment))


async def read(source: SandboxTrafficSource, hostname: str, day: date) -> DailyTraffic | None:
    return await source.daily_traffic(ClientId(UUID(int=1)), ProjectId(UUID(int=2)), hostname, day)


class TestSandboxTrafficSource:
    async def test_the_same_hostname_and_day_give_the_same_figures_from_any_instance(self) -> None:
        one, other = source_at(START), source_at(START)
        assert await read(one, "shop.example.com", YESTERDAY) == await read(other, "shop.example.com", YESTERDAY)
        assert await read(one, "shop.example.com", YESTERDAY) != await read(one, "blog.example.com", YESTERDAY)
        day_before = YESTERDAY - timedelta(days=1)
        assert await read(one, "shop.example.com", YESTERDAY) != await read(one, "shop.example.com", day_before)

    async def test_a_day_still_to_come_has_no_figures(self) -> None:
        source = source_at(START)
        assert await read(source, "shop.example.com", TODAY + timedelta(days=1)) is None
        assert await read(source, "shop.example.com", TODAY) is not None

    async def test_today_has_no_figures_before_its_first_hour_is_over(self) -> None:
        midnight = datetime.combine(TODAY, datetime.min.time(), UTC)
        assert await read(source_at(midnight + timedelta(minutes=59)), "shop.example.com", TODAY) is None
        assert await read(source_at(midnight + timedelta(hours=1)), "shop.example.com", TODAY) is not None

    async def test_todays_figures_grow_with_each_hour_up_to_the_whole_day(self) -> None:
        midnight = datetime.combine(TODAY, datetime.min.time(), UTC)
        hours = [await read(source_at(midnight + timedelta(hours=h)), "shop.example.com", TODAY) for h in range(1, 25)]
        figures = [
            (t.bandwidth_bytes, t.requests_2xx, t.requests_3xx, t.requests_4xx, t.requests_5xx)
            for t in hours
            if t is not None
        ]
        assert len(figures) == 24
        for earlier, later in pairwise(figures):
            assert all(e <= lt for e, lt in zip(earlier, later, strict=True))
            assert sum(later[1:]) > sum(earlier[1:])
        # Read the next day, the day is complete: what the last hour of the day showed.
        assert hours[-1] == await read(source_at(midnight + timedelta(days=2)), "shop.example.com", TODAY)

    async def test_the_figures_are_plausible_for_a_small_business_site(self) -> None:
        source = source_at(START)
        for n in range(40):
            day = TODAY - timedelta(days=1 + n)
            figures = await read(source, f"site{n}.example.com", day)
            assert figures is not None
            total = figures.requests_total
            assert 2_000 * 0.7 * 0.6 * 0.99 <= total <= 50_000 * 1.3
            assert 0.85 <= figures.requests_2xx / total <= 0.97
            assert figures.requests_5xx / total <= 0.005
            assert 20 * 1024 <= figures.bandwidth_bytes / total <= 121 * 1024
