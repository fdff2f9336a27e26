"""`CheckUptime` over the memory adapters, with a probe that answers from a script."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client
from arco_domain.model.monitoring import CheckStatus, UptimeMonitor
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.tiers import Tier
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.dashboard import GetDashboard
from arco_domain.use_cases.domains import AddDomain
from arco_domain.use_cases.monitoring import CheckUptime, UptimeRun
from arco_domain.use_cases.projects import CreateProject
from arco_ports.monitoring import ProbeResult
from tests.unit.conftest import START, World

EVERY = timedelta(minutes=5)
UP, DOWN = True, False


@dataclass
class ScriptedProbe:
    """Answers each URL's checks from its script, in order; asking more than scripted fails the test."""

    script: dict[str, list[bool]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def will_answer(self, url: str, *results: bool) -> None:
        self.script.setdefault(url, []).extend(results)

    async def check(self, url: str) -> ProbeResult:
        self.asked.append(url)
        assert self.script.get(url), f"{url} was probed more often than scripted"
        up = self.script[url].pop(0)
        return ProbeResult(up, 200 if up else 503, timedelta(milliseconds=120), None if up else "HTTP 503")


@dataclass
class Site:
    client: Client
    owner: Principal
    project: Project
    url: str


async def site(
    world: World, domain: str = "shop.example.com", status: ProjectStatus = ProjectStatus.LIVE, *, tier: Tier = Tier.PRO
) -> Site:
    client, owner = await world.register(f"owner@{domain}", domain)
    await world.build(ChangePlan)(world.staff(), client.id, tier=tier)
    project = await world.build(CreateProject)(owner, client.id, name="Shop", status=status)
    await world.serve_domain(owner, client.id, domain, project.id)
    return Site(client, owner, project, f"https://{domain}")


async def check(world: World, probe: ScriptedProbe) -> UptimeRun:
    return await world.build(CheckUptime, probe=probe)()


async def checks_every_five_minutes(world: World, probe: ScriptedProbe, times: int) -> list[UptimeRun]:
    runs = []
    for _ in range(times):
        runs.append(await check(world, probe))
        world.clock.advance(EVERY)
    return runs


async def incidents(world: World, client_id: ClientId) -> list[Incident]:
    async with world.uow(DataScope.of_client(client_id)) as uow:
        return list(
            await uow.incidents.list_overlapping(client_id, START - timedelta(days=1), START + timedelta(days=1))
        )


async def monitor(world: World, shop: Site) -> UptimeMonitor | None:
    async with world.uow(DataScope.of_client(shop.client.id)) as uow:
        return await uow.uptime_monitors.get(shop.client.id, shop.project.id)


class TestCheckUptime:
    async def test_three_failed_checks_open_one_incident_from_the_first_failure(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN)

        runs = await checks_every_five_minutes(world, probe, 2)
        assert await incidents(world, shop.client.id) == []
        runs += await checks_every_five_minutes(world, probe, 1)

        (incident,) = await incidents(world, shop.client.id)
        assert (incident.title, incident.severity, incident.status) == (
            "Site unreachable",
            IncidentSeverity.HIGH,
            IncidentStatus.INVESTIGATING,
        )
        assert (incident.project_id, incident.started_at, incident.resolved_at) == (shop.project.id, START, None)
        assert [(r.checked, r.opened, r.recovered) for r in runs] == [(1, 0, 0), (1, 0, 0), (1, 1, 0)]
        assert probe.asked == [shop.url] * 3
        assert await monitor(world, shop) == UptimeMonitor(
            shop.client.id, shop.project.id, shop.url, consecutive_failures=3,
            last_checked_at=START + 2 * EVERY, last_status=CheckStatus.DOWN, open_incident_id=incident.id,
        )  # fmt: skip

    async def test_a_fourth_failure_keeps_the_same_incident_open(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN, DOWN)
        await checks_every_five_minutes(world, probe, 3)
        (opened,) = await incidents(world, shop.client.id)

        (run,) = await checks_every_five_minutes(world, probe, 1)

        assert (run.checked, run.opened, run.recovered) == (1, 0, 0)
        assert await incidents(world, shop.client.id) == [opened]
        stored = await monitor(world, shop)
        assert stored is not None
        assert (stored.consecutive_failures, stored.open_incident_id) == (4, opened.id)

    async def test_a_success_resolves_the_incident_and_the_dashboard_counts_its_downtime(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN, DOWN, UP)
        runs = await checks_every_five_minutes(world, probe, 5)
        recovered_at = START + 4 * EVERY

        (incident,) = await incidents(world, shop.client.id)
        assert (incident.status, incident.started_at, incident.resolved_at) == (
            IncidentStatus.RESOLVED,
            START,
            recovered_at,
        )
        assert runs[-1].recovered == 1
        assert incident.downtime_minutes(world.clock.now()) == 20
        overview = await world.build(GetDashboard)(shop.owner, shop.client.id)
        # The client's month starts at midnight in São Paulo, 03:00 UTC on March 1st: up to 09:25 UTC on March 2nd
        # that is 1,825 minutes, 20 of them down.
        assert overview.uptime.downtime_minutes == 20
        assert overview.uptime.month_percent == Decimal("98.90")
        stored = await monitor(world, shop)
        assert stored is not None
        assert (stored.consecutive_failures, stored.last_status, stored.open_incident_id) == (0, CheckStatus.UP, None)

    async def test_a_failure_after_recovery_starts_a_new_run_and_a_new_incident(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN, UP, DOWN, DOWN, UP, DOWN, DOWN, DOWN)
        await checks_every_five_minutes(world, probe, 10)

        first, second = await incidents(world, shop.client.id)
        assert (first.started_at, first.resolved_at) == (START, START + 3 * EVERY)
        assert (second.started_at, second.resolved_at) == (START + 7 * EVERY, None)

    async def test_running_twice_at_the_same_instant_changes_nothing_more(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN)
        await checks_every_five_minutes(world, probe, 2)
        await check(world, probe)
        (opened,) = await incidents(world, shop.client.id)
        before = await monitor(world, shop)

        again = await check(world, probe)

        assert (again.checked, again.opened, again.recovered) == (0, 0, 0)
        assert probe.asked == [shop.url] * 3
        assert await incidents(world, shop.client.id) == [opened]
        assert await monitor(world, shop) == before

    @pytest.mark.parametrize("status", [ProjectStatus.DEVELOPMENT, ProjectStatus.STAGING])
    async def test_a_project_not_live_is_not_probed(self, world: World, status: ProjectStatus) -> None:
        shop = await site(world, status=status)
        probe = ScriptedProbe()

        run = await check(world, probe)

        assert probe.asked == []
        assert run.checked == 0
        assert await monitor(world, shop) is None

    async def test_a_live_project_without_a_domain_is_not_probed(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(CreateProject)(owner, client.id, name="Shop", status=ProjectStatus.LIVE)
        probe = ScriptedProbe()

        assert (await check(world, probe)).checked == 0
        assert probe.asked == []

    async def test_a_live_project_whose_domain_zone_is_still_pending_is_not_probed(self, world: World) -> None:
        client, owner = await world.register()
        project = await world.build(CreateProject)(owner, client.id, name="Shop", status=ProjectStatus.LIVE)
        await world.build(AddDomain)(owner, client.id, name="shop.example.com", project_id=project.id)
        probe = ScriptedProbe()

        assert (await check(world, probe)).checked == 0
        assert probe.asked == []

    async def test_the_first_domain_whose_zone_is_active_is_the_one_probed(self, world: World) -> None:
        client, owner = await world.register()
        await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
        project = await world.build(CreateProject)(owner, client.id, name="Shop", status=ProjectStatus.LIVE)
        await world.build(AddDomain)(owner, client.id, name="pending.example.com", project_id=project.id)
        world.clock.advance(timedelta(seconds=1))
        await world.serve_domain(owner, client.id, "served.example.com", project.id)
        probe = ScriptedProbe()
        probe.will_answer("https://served.example.com", UP)

        assert (await check(world, probe)).checked == 1
        assert probe.asked == ["https://served.example.com"]

    async def test_a_site_in_maintenance_is_still_watched(self, world: World) -> None:
        shop = await site(world, "kept.example.com", ProjectStatus.MAINTENANCE)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, UP)

        assert (await check(world, probe)).checked == 1
        assert probe.asked == ["https://kept.example.com"]

    async def test_every_clients_sites_are_checked_in_one_run(self, world: World) -> None:
        shops = [await site(world, f"shop{n}.example.com") for n in range(3)]
        probe = ScriptedProbe()
        for shop in shops:
            probe.will_answer(shop.url, UP)

        run = await check(world, probe)

        assert run.checked == 3
        assert sorted(probe.asked) == sorted(s.url for s in shops)
        for shop in shops:
            stored = await monitor(world, shop)
            assert stored is not None and stored.last_status is CheckStatus.UP

    async def test_the_monitor_follows_a_change_of_domain(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN)
        await checks_every_five_minutes(world, probe, 1)
        async with world.uow(DataScope.of_client(shop.client.id)) as uow:
            (old,) = await uow.domains.list_for_client(shop.client.id)
            await uow.domains.remove(shop.client.id, old.id)
            await uow.commit()
        await world.serve_domain(shop.owner, shop.client.id, "new.example.com", shop.project.id)
        probe.will_answer("https://new.example.com", DOWN)

        await checks_every_five_minutes(world, probe, 1)

        stored = await monitor(world, shop)
        assert stored is not None
        assert (stored.url, stored.consecutive_failures) == ("https://new.example.com", 2)

    async def test_an_incident_staff_resolved_already_keeps_their_resolution(self, world: World) -> None:
        shop = await site(world)
        probe = ScriptedProbe()
        probe.will_answer(shop.url, DOWN, DOWN, DOWN, UP)
        await checks_every_five_minutes(world, probe, 3)
        (incident,) = await incidents(world, shop.client.id)
        incident.move(IncidentStatus.RESOLVED, at=START + 2 * EVERY + timedelta(minutes=1))
        async with world.uow(DataScope.of_client(shop.client.id)) as uow:
            await uow.incidents.update(incident)
            await uow.commit()

        run = await check(world, probe)

        assert run.recovered == 1
        assert await incidents(world, shop.client.id) == [incident]
        stored = await monitor(world, shop)
        assert stored is not None and stored.open_incident_id is None
