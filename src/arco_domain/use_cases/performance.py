"""Daily performance measurement (the worker runs it once a day): every watched site measured once per UTC day."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from arco_domain.errors import ArcoError, NotFound, Unavailable
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.access import DataScope
from arco_domain.model.performance import PerformanceSample
from arco_domain.use_cases.sites import WatchedSite, watched_sites
from arco_ports.clock import Clock
from arco_ports.metrics import Measurement
from arco_ports.performance import PerformanceProbe, PerformanceUnavailable
from arco_ports.unit_of_work import UnitOfWorkFactory

PARALLEL_MEASUREMENTS = 4
"""Sites measured at once. Each measurement takes Google 20 to 60 seconds, so four get through some forty to
eighty sites in a run's budget while staying far inside PageSpeed Insights' per-minute quota."""

ATTEMPTS = 3
"""Tries per site and run when the service is unavailable; a site still failing waits for the next run."""

BACKOFF_SECONDS = (15.0, 60.0)
"""The wait before each retry, when the service gave no `retry_after` of its own."""

MAX_WAIT_SECONDS = 300.0
"""The longest `retry_after` a run waits for. Advice beyond it (a daily quota spent) stops the run from
starting any more measurements: every one would be refused alike."""

RUN_BUDGET = timedelta(minutes=7)
"""How long a run keeps starting measurements (and waiting to retry them). The worker cancels a job after ten
minutes and a measurement under way takes two at most (the PageSpeed adapter's deadline), so a run always ends
on its own and reports what it left: those sites are deferred, and the next run starts with them (sites are
taken oldest measurement first)."""

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FailedMeasurement:
    """A site that could not be measured in this run, with the error's code, its message and, for a service
    that asked to be left alone for a while, how long."""

    client_id: ClientId
    project_id: ProjectId
    url: str
    error: str
    detail: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.url} ({self.error}: {self.detail})"


@dataclass(frozen=True, slots=True)
class PerformanceRun:
    """What one run did: sites measured and recorded, sites already measured today (not measured again),
    sites left for tomorrow because the service asked the run to stop, and the sites that failed."""

    measured: int
    already_measured: int
    deferred: int = 0
    failures: tuple[FailedMeasurement, ...] = ()

    def __str__(self) -> str:
        counts = f"measured {self.measured}, already measured today {self.already_measured}, deferred {self.deferred}"
        return f"{counts}, failed {len(self.failures)}" + "".join(f"; {failure}" for failure in self.failures)


@dataclass(slots=True)
class _Window:
    """Until when a run starts measurements: `stop_at`, or until the service asks it to stop (`halted`)."""

    stop_at: datetime
    halted: bool = False


class _Outcome(Enum):
    MEASURED = "measured"
    ALREADY_MEASURED = "already measured"
    DEFERRED = "deferred"
    GONE = "gone"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurePerformance:
    """Measure every watched site that has no measurement from today (UTC) yet, and record each result.

    Sites are listed in one unit of work, measured with no transaction open (a measurement takes up to a
    minute), and each result is recorded in its client's own unit of work. Idempotent: a second run on the same
    day measures nothing again. One site's failure never stops the others: an unavailable service is retried
    (`ATTEMPTS`, honouring its `retry_after`), and whatever still fails is reported, not raised. A run starts
    measurements for `budget` (`RUN_BUDGET`); sites it leaves are measured first by the next run.
    `sleep` waits between attempts (tests pass one that only records).
    """

    uow: UnitOfWorkFactory
    clock: Clock
    probe: PerformanceProbe
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    budget: timedelta = RUN_BUDGET

    async def __call__(self) -> PerformanceRun:
        started = self.clock.now()
        sites, already_measured = await self._due_sites(_utc_day(started))
        slots = asyncio.Semaphore(PARALLEL_MEASUREMENTS)
        window = _Window(started + self.budget)

        async def measure(site: WatchedSite) -> _Outcome | FailedMeasurement:
            async with slots:
                return await self._measure(site, window)

        outcomes = await asyncio.gather(*(measure(site) for site in sites))
        return PerformanceRun(
            measured=outcomes.count(_Outcome.MEASURED),
            already_measured=already_measured + outcomes.count(_Outcome.ALREADY_MEASURED),
            deferred=outcomes.count(_Outcome.DEFERRED),
            failures=tuple(o for o in outcomes if isinstance(o, FailedMeasurement)),
        )

    async def _due_sites(self, today: date) -> tuple[Sequence[WatchedSite], int]:
        """Every client's watched sites with no measurement from `today`, least recently measured first, and
        how many have one already."""
        last: dict[tuple[ClientId, ProjectId], datetime] = {}
        async with self.uow(DataScope.all_clients()) as uow:
            sites = await watched_sites(uow)
            for client_id in dict.fromkeys(site.client_id for site in sites):
                latest = await uow.metrics.latest_measurements(client_id)
                last.update(((client_id, m.project_id), m.measured_at) for m in latest)

        def last_measured(site: WatchedSite) -> datetime:
            return last.get((site.client_id, site.project_id), _NEVER)

        due = sorted((site for site in sites if _utc_day(last_measured(site)) != today), key=last_measured)
        return due, len(sites) - len(due)

    async def _measure(self, site: WatchedSite, window: _Window) -> _Outcome | FailedMeasurement:
        """Measure one site while the run's window is open, retrying an unavailable service; record the sample."""
        attempts = 0
        while not window.halted and self.clock.now() < window.stop_at:
            try:
                sample = await self.probe.measure(site.url)
            except Unavailable as error:
                attempts += 1
                advice = error.retry_after if isinstance(error, PerformanceUnavailable) else None
                wait = self._retry_wait(advice, attempts, window)
                if wait is None:
                    return _failure(site, error, advice)
                await self.sleep(wait)
                continue
            except ArcoError as error:
                return _failure(site, error)
            return await self._record(site, sample)
        return _Outcome.DEFERRED

    def _retry_wait(self, advice: float | None, attempts: int, window: _Window) -> float | None:
        """Seconds to wait before the next attempt, or None when this run makes no more."""
        if advice is not None and advice > MAX_WAIT_SECONDS:
            window.halted = True  # every other site would be refused alike until then
            return None
        if attempts >= ATTEMPTS:
            return None
        wait = advice if advice is not None else BACKOFF_SECONDS[attempts - 1]
        return wait if self.clock.now() + timedelta(seconds=wait) < window.stop_at else None

    async def _record(self, site: WatchedSite, sample: PerformanceSample) -> _Outcome:
        """Record the sample in the client's own unit of work, unless the project has today's already."""
        measured_at = self.clock.now()
        today = _utc_day(measured_at)
        try:
            async with self.uow(DataScope.of_client(site.client_id)) as uow:
                latest = await uow.metrics.latest_measurements(site.client_id)
                if any(m.project_id == site.project_id and _utc_day(m.measured_at) == today for m in latest):
                    return _Outcome.ALREADY_MEASURED  # another run recorded it first
                await uow.metrics.record_measurement(site.client_id, Measurement(site.project_id, measured_at, sample))
                await uow.commit()
        except NotFound:
            # The project was removed since the sites were listed: there is nothing left to measure.
            return _Outcome.GONE
        return _Outcome.MEASURED


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _failure(site: WatchedSite, error: ArcoError, retry_after: float | None = None) -> FailedMeasurement:
    return FailedMeasurement(site.client_id, site.project_id, site.url, error.code, error.detail, retry_after)
