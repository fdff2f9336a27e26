"""`MeasurePerformance` over the memory adapters, with a probe that answers from a script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from arco_domain.errors import ArcoError, ProviderError, Unavailable, ValidationError
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client
from arco_domain.model.performance import Grade, PerformanceSample
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.use_cases.dashboard import GetDashboard
from arco_domain.use_cases.performance import (
    ATTEMPTS,
    BACKOFF_SECONDS,
    MAX_WAIT_SECONDS,
    RUN_BUDGET,
    FailedMeasurement,
    MeasurePerformance,
    PerformanceRun,
)
from arco_domain.use_cases.projects import CreateProject, DeleteProject
from arco_ports.metrics import Measurement
from arco_ports.performance import PerformanceUnavailable
from tests.unit.conftest import START, World

FAST = PerformanceSample(
    lcp_seconds=Decimal("1.8"), inp_ms=Decimal(120), cls=Decimal("0.02"), lighthouse_performance=97,
    lighthouse_accessibility=100, lighthouse_best_practices=96, lighthouse_seo=100,
)  # fmt: skip
SLOW = PerformanceSample(
    lcp_seconds=Decimal("4.6"), inp_ms=Decimal(540), cls=Decimal("0.05"), lighthouse_performance=41,
    lighthouse_accessibility=88, lighthouse_best_practices=79, lighthouse_seo=90,
)  # fmt: skip


@dataclass
class ScriptedProbe:
    """Answers each URL's measurements from its script, in order: a sample, or an error to raise. Asking more
    than scripted fails the test. `during` runs before each answer (to change the world mid-run)."""

    script: dict[str, list[PerformanceSample | ArcoError]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    during: Callable[[str], Awaitable[None]] | None = None

    def will_answer(self, url: str, *answers: PerformanceSample | ArcoError) -> None:
        self.script.setdefault(url, []).extend(answers)

    async def measure(self, url: str) -> PerformanceSample:
        self.asked.append(url)
        assert self.script.get(url), f"{url} was measured more often than scripted"
        if self.during is not None:
            await self.during(url)
        answer = self.script[url].pop(0)
        if isinstance(answer, ArcoError):
            raise answer
        return answer


@dataclass
class Waits:
    """Records the waits between attempts instead of sleeping through them."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@dataclass
class Site:
    client: Client
    owner: Principal
    project: Project
    url: str


async def site(world: World, domain: str = "shop.example.com", status: ProjectStatus = ProjectStatus.LIVE) -> Site:
    client, owner = await world.register(f"owner@{domain}", domain)
    project = await world.build(CreateProject)(owner, client.id, name="Shop", status=status)
    await world.serve_domain(owner, client.id, domain, project.id)
    return Site(client, owner, project, f"https://{domain}")


async def measure(
    world: World, probe: ScriptedProbe, waits: Waits | None = None, budget: timedelta = RUN_BUDGET
) -> PerformanceRun:
    return await world.build(MeasurePerformance, probe=probe, sleep=waits or Waits(), budget=budget)()


def taking(world: World, minutes: int) -> Callable[[str], Awaitable[None]]:
    """A `during` hook: each measurement takes `minutes` on the world's clock."""

    async def elapse(url: str) -> None:
        world.clock.advance(timedelta(minutes=minutes))

    return elapse


async def measurements(world: World, shop: Site) -> list[Measurement]:
    async with world.uow(DataScope.of_client(shop.client.id)) as uow:
        return list(await uow.metrics.latest_measurements(shop.client.id))


class TestMeasurePerformance:
    async def test_a_live_site_is_measured_and_its_sample_recorded_at_the_time_of_the_run(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, FAST)

        run = await measure(world, probe)

        assert run == PerformanceRun(measured=1, already_measured=0)
        assert probe.asked == [shop.url]
        assert await measurements(world, shop) == [Measurement(shop.project.id, START, FAST)]
        overview = await world.build(GetDashboard)(shop.owner, shop.client.id)
        assert [(p.measurement.sample, p.grade) for p in overview.performance] == [(FAST, Grade.A_PLUS)]

    async def test_a_second_run_the_same_day_measures_nothing_again(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, FAST)
        await measure(world, probe)
        world.clock.advance(timedelta(hours=14, minutes=59))  # 23:59 UTC, still the same day

        again = await measure(world, probe)

        assert again == PerformanceRun(measured=0, already_measured=1)
        assert probe.asked == [shop.url]
        assert await measurements(world, shop) == [Measurement(shop.project.id, START, FAST)]

    async def test_the_next_utc_day_measures_again_even_less_than_a_day_later(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, FAST, SLOW)
        await measure(world, probe)
        midnight = START.replace(hour=0) + timedelta(days=1)
        world.clock.set(midnight)

        run = await measure(world, probe)

        assert run == PerformanceRun(measured=1, already_measured=0)
        assert probe.asked == [shop.url, shop.url]
        assert await measurements(world, shop) == [Measurement(shop.project.id, midnight, SLOW)]

    async def test_every_clients_sites_are_measured_in_one_run(self, world: World) -> None:
        shops = [await site(world, f"shop{n}.example.com") for n in range(3)]
        probe = ScriptedProbe()
        for shop in shops:
            probe.will_answer(shop.url, FAST)

        run = await measure(world, probe)

        assert run.measured == 3
        assert sorted(probe.asked) == sorted(s.url for s in shops)
        for shop in shops:
            assert [m.sample for m in await measurements(world, shop)] == [FAST]

    @pytest.mark.parametrize(
        "error",
        [
            ValidationError("PageSpeed Insights refused to measure the site: NOT_HTML", field="url"),
            ProviderError("PageSpeed Insights refused ARCO's request (403): API not enabled"),
        ],
        ids=["refused-url", "provider"],
    )
    async def test_a_site_that_fails_is_reported_and_the_others_are_still_measured(
        self, world: World, error: ArcoError
    ) -> None:
        first, broken, last = [await site(world, f"{name}.example.com") for name in ("first", "broken", "last")]
        probe = ScriptedProbe()
        probe.will_answer(first.url, FAST)
        probe.will_answer(broken.url, error)
        probe.will_answer(last.url, SLOW)

        run = await measure(world, probe)

        assert (run.measured, run.already_measured, run.deferred) == (2, 0, 0)
        assert run.failures == (
            FailedMeasurement(broken.client.id, broken.project.id, broken.url, error.code, error.detail),
        )
        assert f"{broken.url} ({error.code}: {error.detail})" in str(run)
        assert [m.sample for m in await measurements(world, first)] == [FAST]
        assert [m.sample for m in await measurements(world, last)] == [SLOW]
        assert await measurements(world, broken) == []

    async def test_an_unavailable_service_is_retried_after_the_wait_it_advises(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, PerformanceUnavailable("rate limited", retry_after=20), FAST)
        waits = Waits()

        run = await measure(world, probe, waits)

        assert run == PerformanceRun(measured=1, already_measured=0)
        assert waits.seconds == [20]
        assert [m.sample for m in await measurements(world, shop)] == [FAST]

    async def test_a_site_still_unavailable_after_every_attempt_is_reported_and_tried_again_by_a_later_run(
        self, world: World
    ) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(
            shop.url, *(Unavailable("PageSpeed Insights did not answer in time") for _ in range(ATTEMPTS))
        )
        waits = Waits()

        run = await measure(world, probe, waits)

        assert (run.measured, [f.error for f in run.failures]) == (0, ["unavailable"])
        assert waits.seconds == list(BACKOFF_SECONDS)
        assert probe.asked == [shop.url] * ATTEMPTS
        probe.will_answer(shop.url, FAST)
        world.clock.advance(timedelta(hours=1))
        assert (await measure(world, probe)).measured == 1
        assert await measurements(world, shop) == [Measurement(shop.project.id, START + timedelta(hours=1), FAST)]

    async def test_a_service_asking_for_a_longer_wait_than_a_run_takes_stops_the_run(self, world: World) -> None:
        shops = [await site(world, f"shop{n}.example.com") for n in range(3)]
        probe = ScriptedProbe()
        quota_spent = PerformanceUnavailable("Queries per day", retry_after=MAX_WAIT_SECONDS + 1)
        for shop in shops:
            probe.will_answer(shop.url, quota_spent)
        waits = Waits()

        run = await measure(world, probe, waits)

        assert (run.measured, run.deferred) == (0, 2)
        assert [(f.url, f.retry_after) for f in run.failures] == [(probe.asked[0], MAX_WAIT_SECONDS + 1)]
        assert len(probe.asked) == 1
        assert waits.seconds == []

    async def test_a_run_stops_starting_measurements_when_its_budget_is_spent_and_the_next_takes_the_oldest_first(
        self, world: World
    ) -> None:
        first, second, third = [await site(world, f"{name}.example.com") for name in ("first", "second", "third")]
        probe = ScriptedProbe(during=taking(world, 4))
        for shop in (first, second, third):
            probe.will_answer(shop.url, FAST, SLOW)

        today = await measure(world, probe, budget=timedelta(minutes=7))
        assert (today.measured, today.deferred, probe.asked) == (2, 1, [first.url, second.url])

        world.clock.set(START + timedelta(days=1))
        probe.asked.clear()
        tomorrow = await measure(world, probe, budget=timedelta(minutes=7))

        assert (tomorrow.measured, tomorrow.deferred) == (2, 1)
        assert probe.asked == [third.url, first.url]  # never measured, then the oldest measurement
        assert [m.sample for m in await measurements(world, second)] == [FAST]

    async def test_a_retry_that_would_wait_past_the_budget_is_left_for_a_later_run(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, PerformanceUnavailable("rate limited", retry_after=120))
        waits = Waits()

        run = await measure(world, probe, waits, budget=timedelta(minutes=1))

        assert [(f.url, f.error, f.retry_after) for f in run.failures] == [(shop.url, "unavailable", 120)]
        assert (waits.seconds, run.deferred) == ([], 0)

    @pytest.mark.parametrize(
        "status", [ProjectStatus.DISCOVERY, ProjectStatus.DEVELOPMENT, ProjectStatus.TESTING, ProjectStatus.STAGING]
    )
    async def test_a_project_not_in_production_is_not_measured(self, world: World, status: ProjectStatus) -> None:
        shop = await site(world, status=status)
        probe = ScriptedProbe()

        run = await measure(world, probe)

        assert run == PerformanceRun(measured=0, already_measured=0)
        assert probe.asked == []
        assert await measurements(world, shop) == []

    async def test_a_site_in_maintenance_is_still_measured(self, world: World) -> None:
        shop = await site(world, "kept.example.com", ProjectStatus.MAINTENANCE)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, FAST)

        assert (await measure(world, probe)).measured == 1
        assert probe.asked == ["https://kept.example.com"]

    async def test_a_live_project_without_a_domain_is_not_measured(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(CreateProject)(owner, client.id, name="Shop", status=ProjectStatus.LIVE)
        probe = ScriptedProbe()

        assert (await measure(world, probe)).measured == 0
        assert probe.asked == []

    async def test_a_project_deleted_while_it_was_measured_is_not_recorded_and_fails_nothing(
        self, world: World
    ) -> None:
        shop = await site(world)
        other = await site(world, "other.example.com")
        probe = ScriptedProbe()
        probe.will_answer(shop.url, FAST)
        probe.will_answer(other.url, FAST)

        async def delete_shop(url: str) -> None:
            if url == shop.url:
                await world.build(DeleteProject)(shop.owner, shop.client.id, shop.project.id)

        probe.during = delete_shop

        run = await measure(world, probe)

        assert (run.measured, run.failures) == (1, ())
        assert await measurements(world, shop) == []
        assert [m.sample for m in await measurements(world, other)] == [FAST]
