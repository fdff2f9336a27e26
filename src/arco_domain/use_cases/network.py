"""Network usage (the worker runs it hourly): each site in production has today's and yesterday's traffic recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from arco_domain.errors import ArcoError, NotFound
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.access import DataScope
from arco_domain.model.domains import Domain
from arco_domain.model.monitoring import site_url
from arco_domain.model.network import DailyTraffic
from arco_ports.clock import Clock
from arco_ports.traffic import TrafficSource
from arco_ports.unit_of_work import UnitOfWorkFactory

PARALLEL_READS = 10
"""Sites read from the source at once: a run finishes well within its hour and stays within rate limits."""


@dataclass(frozen=True, slots=True)
class TrafficSite:
    client_id: ClientId
    project_id: ProjectId
    hostname: str


@dataclass(frozen=True, slots=True)
class TrafficFailure:
    """A site whose traffic could not be read or recorded in this run, and why."""

    client_id: ClientId
    project_id: ProjectId
    hostname: str
    reason: str


@dataclass(frozen=True, slots=True)
class NetworkUsageRun:
    """What one run did: sites read, daily rows recorded (a restated day counts again), and the sites that failed."""

    sites: int
    days_recorded: int
    failures: tuple[TrafficFailure, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordNetworkUsage:
    """Record yesterday's and today's traffic (UTC days) of every site in production.

    The sites are the ones uptime watches: projects `live` or in `maintenance`, at their first domain (see
    `site_url`). Sources restate recent days (today grows by the hour, yesterday's last hours arrive late), so
    both days are read every run and stored over what an earlier run recorded: running twice leaves the same
    rows. The sites are listed in one unit of work, the source is read with no transaction open, and each
    site's days are recorded in a unit of work of its own, so one site's failure neither stops nor undoes
    another's: it is reported in the run's `failures`, and the next hourly run reads both days again.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    source: TrafficSource | None

    async def __call__(self) -> NetworkUsageRun:
        if self.source is None:
            # No source connected (production before one is configured): record nothing rather than invent.
            return NetworkUsageRun(sites=0, days_recorded=0, failures=())
        source = self.source
        today = self.clock.now().astimezone(UTC).date()
        days = (today - timedelta(days=1), today)
        sites = await self._sites()
        slots = asyncio.Semaphore(PARALLEL_READS)

        async def read(site: TrafficSite) -> list[DailyTraffic] | TrafficFailure:
            try:
                async with slots:
                    figures = [
                        await source.daily_traffic(site.client_id, site.project_id, site.hostname, day) for day in days
                    ]
            except ArcoError as error:
                return _failure(site, error)
            return [f for f in figures if f is not None]

        outcomes: list[int | TrafficFailure] = []
        for site, figures in zip(sites, await asyncio.gather(*(read(site) for site in sites)), strict=True):
            outcomes.append(figures if isinstance(figures, TrafficFailure) else await self._record(site, figures))
        return NetworkUsageRun(
            sites=len(sites),
            days_recorded=sum(o for o in outcomes if isinstance(o, int)),
            failures=tuple(o for o in outcomes if isinstance(o, TrafficFailure)),
        )

    async def _sites(self) -> Sequence[TrafficSite]:
        """Every client's sites in production, read in one unit of work."""
        async with self.uow(DataScope.all_clients()) as uow:
            attached: dict[ClientId, list[Domain]] = {}
            for domain in await uow.domains.list_all():
                if domain.project_id is not None:
                    attached.setdefault(domain.client_id, []).append(domain)
            sites: list[TrafficSite] = []
            for client_id, domains in attached.items():  # clients without a site's domain cost no query
                for project in await uow.projects.list_for_client(client_id):
                    url = site_url(project, domains)
                    hostname = None if url is None else urlsplit(url).hostname
                    if hostname is not None:
                        sites.append(TrafficSite(client_id, project.id, hostname))
        return sites

    async def _record(self, site: TrafficSite, figures: Sequence[DailyTraffic]) -> int | TrafficFailure:
        """Store the site's days in the client's own unit of work; how many, or why it failed."""
        try:
            async with self.uow(DataScope.of_client(site.client_id)) as uow:
                for traffic in figures:
                    await uow.metrics.record_traffic(traffic)
                await uow.commit()
        except NotFound:
            return 0  # the project was removed since the sites were listed: nothing left to record for
        except ArcoError as error:
            return _failure(site, error)
        return len(figures)


def _failure(site: TrafficSite, error: ArcoError) -> TrafficFailure:
    return TrafficFailure(site.client_id, site.project_id, site.hostname, f"{type(error).__name__}: {error}")
