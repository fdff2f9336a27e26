"""Which uptime probe the container wires in each environment, and the sandbox probe's made-up answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arco_adapters.http_probe import HttpUptimeProbe
from arco_adapters.sandbox_uptime import SandboxUptimeProbe
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings
from arco_ports.monitoring import ProbeResult, UptimeProbe
from tests.settings_examples import PRODUCTION


def runtime(environment: Environment) -> Runtime:
    databases = {
        "database_url": "postgresql+asyncpg://arco_app@127.0.0.1/arco",
        "agency_database_url": "postgresql+asyncpg://arco_agency@127.0.0.1/arco",
        "jwt_secret": "wiring-test-secret-that-is-long-enough",
    }
    if environment is Environment.PRODUCTION:
        return Runtime(Settings(**{**PRODUCTION, **databases}))
    return Runtime(Settings(environment=environment, **databases))


async def wired_probe(environment: Environment) -> UptimeProbe:
    container = runtime(environment).container()
    try:
        probe: UptimeProbe = await container.adapters.uptime_probe()
    finally:
        await container.shutdown_resources()
    return probe


class TestWiring:
    @pytest.mark.parametrize("environment", [Environment.STAGING, Environment.TEST])
    async def test_outside_production_the_sandbox_probes_and_example_names_are_allowed(
        self, environment: Environment
    ) -> None:
        assert isinstance(await wired_probe(environment), SandboxUptimeProbe)
        assert runtime(environment).container().use_cases.domain_names().allow_example is True

    async def test_production_probes_over_http_and_refuses_example_names(self) -> None:
        assert isinstance(await wired_probe(Environment.PRODUCTION), HttpUptimeProbe)
        assert runtime(Environment.PRODUCTION).container().use_cases.domain_names().allow_example is False


class TestSandboxUptimeProbe:
    async def test_a_site_is_up_in_the_same_made_up_time_at_every_check(self) -> None:
        probe = SandboxUptimeProbe()
        first, again = await probe.check("https://sul.example"), await probe.check("https://sul.example")
        assert first == again
        assert (first.up, first.status_code, first.error) == (True, 200, None)
        assert timedelta(milliseconds=80) <= first.elapsed < timedelta(milliseconds=600)

    async def test_sites_take_different_times(self) -> None:
        probe = SandboxUptimeProbe()
        times = {(await probe.check(f"https://shop{n}.example")).elapsed for n in range(10)}
        assert len(times) > 1

    async def test_a_site_whose_name_starts_with_down_is_down(self) -> None:
        result = await SandboxUptimeProbe().check("https://down.sul.example/")
        assert (result.up, result.status_code, result.error) == (False, 503, "HTTP 503")

    @pytest.mark.parametrize("url", ["https://downtown.example", "https://shop.down.example", "http://[::1"])
    async def test_only_a_first_label_of_down_is_down(self, url: str) -> None:
        result: ProbeResult = await SandboxUptimeProbe().check(url)
        assert result.up is True
