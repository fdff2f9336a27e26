"""Uptime checks (the worker runs them every five minutes): probe every watched site, keep its incidents in step."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, IncidentId
from arco_domain.model.access import DataScope
from arco_domain.model.monitoring import (
    FAILURES_TO_OPEN,
    INCIDENT_TITLE,
    MonitorDecision,
    UptimeMonitor,
    record_check,
)
from arco_domain.model.uptime import Incident, IncidentSeverity, IncidentStatus
from arco_domain.use_cases.sites import WatchedSite, watched_sites
from arco_ports.clock import Clock, IdGenerator
from arco_ports.monitoring import UptimeProbe
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

PARALLEL_PROBES = 20
"""Sites probed at once: enough for a run to finish well within its five minutes, few enough to stay polite."""


@dataclass(frozen=True, slots=True)
class UptimeRun:
    """What one run did: sites whose check was recorded, incidents opened, and incidents that recovered."""

    checked: int
    opened: int
    recovered: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckUptime:
    """Check every watched site once and open or resolve its incident by `record_check`.

    Sites are listed in one unit of work, probed with no transaction open (a probe may take seconds), and each
    result is applied in a unit of work of its own, so one project never holds back or undoes another's.
    Idempotent: a site already checked at this instant is neither probed nor recorded again.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    probe: UptimeProbe

    async def __call__(self) -> UptimeRun:
        now = self.clock.now()
        sites = await self._due_sites(now)
        slots = asyncio.Semaphore(PARALLEL_PROBES)

        async def up(site: WatchedSite) -> bool:
            async with slots:
                return (await self.probe.check(site.url)).up

        results = await asyncio.gather(*(up(site) for site in sites))
        decisions = [await self._record(site, result, now) for site, result in zip(sites, results, strict=True)]
        recorded = [d for d in decisions if d is not None]
        return UptimeRun(
            checked=len(recorded),
            opened=sum(d.opens_at is not None for d in recorded),
            recovered=sum(d.resolves is not None for d in recorded),
        )

    async def _due_sites(self, now: datetime) -> Sequence[WatchedSite]:
        """Every client's watched sites not yet checked at `now`, read in one unit of work."""
        async with self.uow(DataScope.all_clients()) as uow:
            monitors = {(m.client_id, m.project_id): m for m in await uow.uptime_monitors.list_all()}
            sites = await watched_sites(uow)
        return [s for s in sites if (m := monitors.get((s.client_id, s.project_id))) is None or m.is_due(now)]

    async def _record(self, site: WatchedSite, up: bool, now: datetime) -> MonitorDecision | None:
        """Apply one result in the project's own unit of work; None when nothing was recorded.

        The project's row is locked first: it stands for its monitor and incidents, whose rows a run that
        overlaps this one would otherwise read before this one's commit and write over after it.
        """
        try:
            async with self.uow(DataScope.of_client(site.client_id)) as uow:
                await uow.projects.get_for_update(site.client_id, site.project_id)
                stored = await uow.uptime_monitors.get(site.client_id, site.project_id)
                monitor = UptimeMonitor(site.client_id, site.project_id, site.url)
                if stored is not None:
                    monitor = dataclasses.replace(stored, url=site.url)  # follows a change of domain
                decision = record_check(monitor, up, now)
                if not decision.recorded:  # another run recorded this instant first
                    return None
                monitor = decision.monitor
                if decision.opens_at is not None:
                    incident = self._incident(site, decision.opens_at)
                    await uow.incidents.add(incident)
                    monitor = decision.link(incident.id)
                if decision.resolves is not None:
                    await _resolve(uow, site.client_id, decision.resolves, now)
                await uow.uptime_monitors.upsert(monitor)
                await uow.commit()
        except NotFound:
            # The project was removed since the sites were listed: there is nothing left to monitor.
            return None
        return decision

    def _incident(self, site: WatchedSite, started_at: datetime) -> Incident:
        return Incident(
            id=IncidentId(self.ids.new_id()),
            client_id=site.client_id,
            project_id=site.project_id,
            title=INCIDENT_TITLE,
            severity=IncidentSeverity.HIGH,
            started_at=started_at,
            description=f"{site.url} failed {FAILURES_TO_OPEN} uptime checks in a row.",
        )


async def _resolve(uow: UnitOfWork, client_id: ClientId, incident_id: IncidentId, at: datetime) -> None:
    """Resolve the monitor's incident at `at`, unless staff resolved it already: their resolution stands."""
    open_at = await uow.incidents.list_overlapping(client_id, at, at + timedelta(microseconds=1))
    incident = next((i for i in open_at if i.id == incident_id and i.resolved_at is None), None)
    if incident is not None:
        incident.move(IncidentStatus.RESOLVED, at=at)
        await uow.incidents.update(incident)
