"""Uptime checks end to end: the real `HttpUptimeProbe` against a local HTTP server that answers 200, 503 or
nothing at all, and `CheckUptime` recording the results in PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date, timedelta
from ipaddress import ip_network
from uuid import uuid4

import httpx
import pytest

from arco_adapters.http_probe import HttpUptimeProbe
from arco_adapters.memory.clock import ManualClock
from arco_adapters.outbound import OutboundGuard
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.ids import DomainId
from arco_domain.model.access import DataScope
from arco_domain.model.domains import Domain, DomainStatus, HostnameStatus, SslStatus
from arco_domain.model.monitoring import CheckStatus
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.tiers import Tier
from arco_domain.model.uptime import Incident, IncidentStatus, month_uptime_percent
from arco_domain.use_cases.monitoring import CheckUptime, UptimeRun
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed
from tests.fake_dns import FakeResolver
from tests.stub_http import Reply, StubRequest, StubServer

EVERY = timedelta(minutes=5)


class Site(StubServer):
    """A web site on 127.0.0.1 whose answer the test sets: a status, a redirect, a slow answer, or off."""

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.status = 200
        self.redirect_to = "/home"
        self.start()

    @property
    def hits(self) -> list[tuple[str, str]]:
        """(Host header, path) of every request received, in order."""
        return [(request.headers["host"], request.path) for request in self.requests]

    def _answer(self, request: StubRequest) -> Reply:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if self.status in (301, 302) and request.path == "/":
            return Reply(self.status, {"Location": self.redirect_to, **headers}, b"<p>shop</p>")
        return Reply(200 if self.status in (301, 302) else self.status, headers, b"<p>shop</p>")

    def off(self) -> None:
        self.stop()

    def on(self, status: int = 200) -> None:
        self.status = status
        self.start()


class ToLocalSite(httpx.AsyncBaseTransport):
    """Carries the guard's pinned requests to the local site over plain HTTP, keeping their `Host` header: what a
    TLS-terminating proxy in front of the site would do. Only requests pinned to 127.0.0.1 get through."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "127.0.0.1", f"the guard let a request to {request.url.host} through"
        local = request.url.copy_with(scheme="http", port=self._port)
        pinned = httpx.Request(
            request.method, local, headers=request.headers, stream=request.stream, extensions=request.extensions
        )
        return await self._network.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._network.aclose()


def guard_for(site: Site, resolver: FakeResolver) -> OutboundGuard:
    """A guard that lets 127.0.0.1 through, and only that, with the site's answers behind it."""
    return OutboundGuard(allow=[ip_network("127.0.0.1/32")], resolver=resolver, transport=ToLocalSite(site.port))


@pytest.fixture
def site() -> Iterator[Site]:
    running = Site()
    yield running
    running.off()


@pytest.fixture
async def probe(site: Site) -> AsyncIterator[HttpUptimeProbe]:
    # Every name is the local site: CheckUptime also probes the sites other tests left in the database.
    guard = guard_for(site, FakeResolver({"intranet.shop.example.com": ["10.1.2.3"]}, otherwise=["127.0.0.1"]))
    yield HttpUptimeProbe(guard, deadline=0.5)
    await guard.aclose()


class TestHttpUptimeProbe:
    async def test_a_200_is_up(self, site: Site, probe: HttpUptimeProbe) -> None:
        result = await probe.check("https://shop.example.com/")
        assert (result.up, result.status_code, result.error) == (True, 200, None)
        assert timedelta() < result.elapsed < timedelta(seconds=3)
        assert site.hits == [("shop.example.com", "/")]

    async def test_a_503_is_down_with_its_status(self, site: Site, probe: HttpUptimeProbe) -> None:
        site.on(503)
        result = await probe.check("https://shop.example.com")
        assert (result.up, result.status_code, result.error) == (False, 503, "HTTP 503")

    async def test_a_404_is_down(self, site: Site, probe: HttpUptimeProbe) -> None:
        site.on(404)
        assert (await probe.check("https://shop.example.com")).up is False

    async def test_a_redirect_is_followed_to_the_page_that_answers(self, site: Site, probe: HttpUptimeProbe) -> None:
        site.on(301)
        result = await probe.check("https://shop.example.com/")
        assert (result.up, result.status_code) == (True, 200)
        assert [path for _, path in site.hits] == ["/", "/home"]

    async def test_a_site_that_is_off_is_down_with_the_connection_error(
        self, site: Site, probe: HttpUptimeProbe
    ) -> None:
        site.off()
        result = await probe.check("https://shop.example.com")
        assert (result.up, result.status_code) == (False, None)
        assert result.error is not None and result.error.startswith("ConnectError")

    async def test_a_site_slower_than_the_deadline_is_down(self, site: Site, probe: HttpUptimeProbe) -> None:
        site.delay = 1.5
        result = await probe.check("https://shop.example.com")
        assert (result.up, result.status_code, result.error) == (False, None, "timed out")
        assert result.elapsed < timedelta(seconds=1.5)

    async def test_a_site_redirecting_into_the_private_network_is_down_with_the_reason(
        self, site: Site, probe: HttpUptimeProbe
    ) -> None:
        site.on(302)
        site.redirect_to = "https://intranet.shop.example.com/admin"
        result = await probe.check("https://shop.example.com/")
        assert (result.up, result.status_code) == (False, None)
        assert result.error == "intranet.shop.example.com resolves to 10.1.2.3, which is a private address"
        assert site.hits == [("shop.example.com", "/")]

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 is a loopback (IPv4-mapped 127.0.0.1) address"),
        ],
    )
    async def test_a_site_at_a_refused_address_is_down_with_the_reason_and_never_probed(
        self, site: Site, url: str, reason: str
    ) -> None:
        guard = guard_for(site, FakeResolver())
        try:
            result = await HttpUptimeProbe(guard).check(url)
        finally:
            await guard.aclose()
        assert (result.up, result.status_code, result.error) == (False, None, reason)
        assert site.hits == []

    async def test_a_url_it_cannot_request_is_down_rather_than_raised(self, site: Site) -> None:
        resolver = FakeResolver()
        guard = guard_for(site, resolver)
        try:
            results = [
                await HttpUptimeProbe(guard).check(url) for url in ("not a url", "ftp://shop.example.com", "https://")
            ]
        finally:
            await guard.aclose()
        assert [(r.up, r.status_code) for r in results] == [(False, None)] * 3
        assert all(r.error for r in results)
        assert (resolver.asked, site.hits) == ([], [])


async def live_site(uow_factory: PostgresUnitOfWorkFactory) -> tuple[Project, str]:
    client = await seed(uow_factory, new_client(Tier.PRO))
    project = replace(new_project(client.id, "Shop"), status=ProjectStatus.LIVE)
    name = f"shop-{uuid4().hex[:10]}.com.br"
    domain = Domain(
        id=DomainId(uuid4()), client_id=client.id, name=name, status=DomainStatus.ACTIVE, nameservers=(),
        ssl_status=SslStatus.ACTIVE, ssl_expires_on=date(2026, 9, 1), renewal_date=None, project_id=project.id,
        created_at=NOW, hostname_status=HostnameStatus.ACTIVE,
    )  # fmt: skip
    async with uow_factory(DataScope.of_client(client.id)) as uow:
        await uow.projects.add(project)
        await uow.domains.add(domain)
        await uow.commit()
    return project, name


async def incidents(uow_factory: PostgresUnitOfWorkFactory, project: Project) -> list[Incident]:
    async with uow_factory(DataScope.of_client(project.client_id)) as uow:
        return list(await uow.incidents.list_overlapping(project.client_id, NOW, NOW + timedelta(days=1)))


class TestCheckUptimeOverHttp:
    async def test_an_incident_opens_after_three_failed_checks_and_resolves_on_recovery(
        self, postgres_uow: PostgresUnitOfWorkFactory, site: Site, probe: HttpUptimeProbe
    ) -> None:
        project, domain = await live_site(postgres_uow)
        clock = ManualClock(NOW)
        check_uptime = CheckUptime(uow=postgres_uow, clock=clock, ids=Uuid7Generator(), probe=probe)

        async def run(times: int = 1) -> list[UptimeRun]:
            runs = []
            for _ in range(times):
                runs.append(await check_uptime())
                clock.advance(EVERY)
            return runs

        await run()  # up
        first_failure = clock.now()
        site.on(503)
        await run(2)
        assert await incidents(postgres_uow, project) == []
        (opening,) = await run()
        (incident,) = await incidents(postgres_uow, project)
        assert (incident.title, incident.status, incident.started_at) == (
            "Site unreachable",
            IncidentStatus.INVESTIGATING,
            first_failure,
        )

        site.off()
        await run()
        assert await incidents(postgres_uow, project) == [incident]

        site.on(200)
        (recovery,) = await run()
        recovered_at = clock.now() - EVERY
        (resolved,) = await incidents(postgres_uow, project)
        assert (resolved.id, resolved.status, resolved.resolved_at) == (
            incident.id,
            IncidentStatus.RESOLVED,
            recovered_at,
        )
        assert resolved.downtime_minutes(clock.now()) == 20
        assert month_uptime_percent([resolved], month_of=recovered_at, now=recovered_at) < 100
        assert (opening.opened, recovery.recovered) == (1, 1)
        assert [path for host, path in site.hits if host == domain] == ["/"] * 5  # none while the site was off
        async with postgres_uow(DataScope.of_client(project.client_id)) as uow:
            monitor = await uow.uptime_monitors.get(project.client_id, project.id)
        assert monitor is not None
        assert (monitor.url, monitor.last_status, monitor.consecutive_failures, monitor.open_incident_id) == (
            f"https://{domain}",
            CheckStatus.UP,
            0,
            None,
        )

    async def test_running_twice_at_the_same_instant_probes_and_records_once(
        self, postgres_uow: PostgresUnitOfWorkFactory, site: Site, probe: HttpUptimeProbe
    ) -> None:
        # The module's database is shared: sites other tests left behind are checked too, so only this
        # project's incidents and this domain's requests are counted.
        project, domain = await live_site(postgres_uow)
        clock = ManualClock(NOW + timedelta(hours=1))
        check_uptime = CheckUptime(uow=postgres_uow, clock=clock, ids=Uuid7Generator(), probe=probe)
        site.on(503)
        for _ in range(3):
            await check_uptime()
            clock.advance(EVERY)
        clock.advance(-EVERY)
        assert len(await incidents(postgres_uow, project)) == 1
        hits = [hit for hit in site.hits if hit[0] == domain]

        again = await check_uptime()

        assert again == UptimeRun(checked=0, opened=0, recovered=0)
        assert [hit for hit in site.hits if hit[0] == domain] == hits == [(domain, "/")] * 3
        assert len(await incidents(postgres_uow, project)) == 1
