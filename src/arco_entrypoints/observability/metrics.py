"""ARCO's operational metrics in Prometheus's text format.

Each process (an HTTP server process, a worker) counts into its own `ServiceMetrics`. When several processes
serve one deployment, `PROMETHEUS_MULTIPROC_DIR` names a directory they all write their figures to (it must be
set before the processes start, and emptied when the deployment starts); a scrape then reads every process's
figures from there, whichever process answers it. Gauges of that kind are summed over the live processes.

The domain never sees this module: the edges count what the domain decided (the error mapping counts quota
refusals, the webhook route its outcomes, the worker's job wrapper its runs).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from arco_adapters.postgres.jobs import OutboxBacklog
from arco_entrypoints.container import Container
from arco_entrypoints.providing import resolve

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
WEBHOOK_PROVIDER = "webhook_provider"
"""Route option naming the provider whose webhook the route receives: its refused deliveries are counted."""
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_SECONDS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 600.0)
WEBHOOK_LAG_SECONDS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0, 3 * 86400.0)
"""Stripe retries a failed delivery for up to three days; the reconciliation command applies what never came."""


class ServiceMetrics:
    """The figures one process counts, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self._requests = Histogram(
            "arco_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"], buckets=REQUEST_SECONDS, registry=registry,
        )  # fmt: skip
        self._quota_refusals = Counter(
            "arco_quota_refusals", "Creates refused because the client's quota was used up, by resource.",
            ["resource"], registry=registry,
        )  # fmt: skip
        self._webhook_events = Counter(
            "arco_webhook_events", "Payment provider events received, by provider and outcome.",
            ["provider", "outcome"], registry=registry,
        )  # fmt: skip
        self._webhook_lag = Histogram(
            "arco_webhook_lag_seconds", "Time from the provider creating an event to ARCO handling it.",
            ["provider"], buckets=WEBHOOK_LAG_SECONDS, registry=registry,
        )  # fmt: skip
        self._job_runs = Counter(
            "arco_job_runs", "Background job runs, by job and outcome.", ["job", "outcome"], registry=registry
        )
        self._job_seconds = Histogram(
            "arco_job_duration_seconds", "Time a background job ran, by job.", ["job"], buckets=JOB_SECONDS,
            registry=registry,
        )  # fmt: skip
        self._connections_in_use = Gauge(
            "arco_database_connections_in_use", "Database connections checked out of the pool, by pool.",
            ["pool"], multiprocess_mode="livesum", registry=registry,
        )  # fmt: skip
        self._pool_size = Gauge(
            "arco_database_pool_size", "Connections each pool keeps open (more may be opened under load), by pool.",
            ["pool"], multiprocess_mode="livesum", registry=registry,
        )  # fmt: skip

    def observe_request(self, method: str, route: str, status: str, seconds: float) -> None:
        self._requests.labels(method, route, status).observe(seconds)

    def count_quota_refusal(self, resource: str) -> None:
        self._quota_refusals.labels(resource).inc()

    def count_webhook_event(self, provider: str, outcome: str, lag_seconds: float | None = None) -> None:
        self._webhook_events.labels(provider, outcome).inc()
        if lag_seconds is not None:
            self._webhook_lag.labels(provider).observe(max(lag_seconds, 0.0))

    def observe_job(self, job: str, outcome: str, seconds: float) -> None:
        self._job_runs.labels(job, outcome).inc()
        self._job_seconds.labels(job).observe(seconds)

    def watch_pool(self, engine: AsyncEngine, name: str) -> None:
        """Follow the connections `engine` hands out, as they are checked out and back in."""
        # Listeners run in the order they were added: after the engine's own checkout check, which may refuse a
        # connection the server closed (then the pool checks out another, and only that one is counted).
        pool = engine.sync_engine.pool
        if isinstance(pool, QueuePool):
            self._pool_size.labels(name).set(pool.size())
        in_use = self._connections_in_use.labels(name)
        event.listen(engine.sync_engine, "checkout", lambda *_: in_use.inc())
        event.listen(engine.sync_engine, "checkin", lambda *_: in_use.dec())

    async def watch_database_pools(self, container: Container) -> None:
        """Follow both pools of a container whose resources are initialised."""
        adapters = container.adapters.container
        self.watch_pool(await resolve(adapters.engine), "app")
        self.watch_pool(await resolve(adapters.agency_engine), "agency")

    def exposition(self, measured_now: Iterable[Metric] = ()) -> bytes:
        """Every process's figures (this one's alone outside multiprocess mode), then `measured_now`: figures
        read at scrape time."""
        source: Collector = self.registry
        if multiprocess_dir() is not None:
            source = CollectorRegistry()
            multiprocess.MultiProcessCollector(source)  # type: ignore[no-untyped-call]
        return generate_latest(source) + generate_latest(_Measured(list(measured_now)))

    def forget_process(self) -> None:
        """Drop this process's live gauges from the shared figures (it is stopping)."""
        if (directory := multiprocess_dir()) is not None:
            multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR) or None


def outbox_figures(backlog: OutboxBacklog, now: datetime) -> list[Metric]:
    oldest = 0.0 if backlog.oldest is None else max((now - backlog.oldest).total_seconds(), 0.0)
    return [
        GaugeMetricFamily(
            "arco_outbox_pending", "Job requests committed but not yet handed to the queue.", value=backlog.pending
        ),
        GaugeMetricFamily(
            "arco_outbox_oldest_pending_seconds", "Age of the oldest job request not yet handed to the queue.",
            value=oldest,
        ),
    ]  # fmt: skip


class _Measured(Collector):
    def __init__(self, metrics: Sequence[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self._metrics
