"""The arq worker, built from the same container as the HTTP app."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Retry, Worker, func

from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.notifications import SEND_EMAIL_JOB, email_from_job
from arco_domain.use_cases.campaigns import SYNC_AD_ACCOUNT_JOB
from arco_entrypoints.container import Container
from arco_entrypoints.observability.jobs import METRICS, observed
from arco_entrypoints.observability.metrics import ServiceMetrics
from arco_entrypoints.providing import resolve, start_resources, stop_resources
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.worker.retries import retry_delay
from arco_entrypoints.worker.schedules import SCHEDULES, Schedule, run_scheduled

T = TypeVar("T")
log = logging.getLogger("arco.worker")

JOB_COMPLETION_WAIT = 10
"""Seconds a stopping worker lets its running jobs finish. Those still running then are cancelled and queued
again (their unit of work rolls back), so the next worker runs them from the start at once."""


def _timing(every: timedelta) -> dict[str, Any]:
    """arq's cron fields for a period: every minute, every N minutes, hourly or daily (at 03:00 UTC)."""
    minutes = int(every.total_seconds() // 60)
    if every >= timedelta(days=1):
        return {"hour": 3, "minute": 0, "second": 0}
    if every >= timedelta(hours=1):
        return {"minute": 0, "second": 0}
    return {"minute": set(range(0, 60, minutes)), "second": 0}


async def retrying(ctx: dict[str, Any], work: Awaitable[T], *, client_id: str | None = None) -> T:
    """Run `work`; a transient failure is retried later (arq's `Retry`), a permanent one is logged and ends.
    Failures are logged with the job's id and, for work done for one client, the client's."""
    job = ctx.get("job_id") if client_id is None else f"{ctx.get('job_id')} (client {client_id})"
    try:
        return await work
    except Exception as error:
        delay = retry_delay(error, int(ctx.get("job_try", 1)))
        if delay is None:
            log.exception("job %s failed for good", job)
            raise
        log.warning("job %s failed (%s); trying again in %.0f s", job, error, delay)
        raise Retry(defer=delay) from error


def _container(ctx: dict[str, Any]) -> Container:
    container: Container = ctx["container"]
    return container


def _cron_job(schedule: Schedule) -> CronJob:
    async def job(ctx: dict[str, Any]) -> str:
        return await retrying(ctx, run_scheduled(_container(ctx), schedule))

    job.__qualname__ = job.__name__ = schedule.name
    return cron(observed(schedule.name, job), name=schedule.name, unique=True, **_timing(schedule.every))


async def send_email(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """Deliver one e-mail a committed unit of work asked for; the job id is its dedupe key."""
    mailer = await resolve(_container(ctx).adapters.container.mailer)
    await retrying(ctx, mailer.send(email_from_job(payload, ctx["job_id"])))
    return "sent"


async def sync_ad_account(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """Sync one connected ad account (asked for when it connects, and daily)."""
    sync = await resolve(_container(ctx).use_cases.container.sync_ad_account)
    client_id = str(payload["client_id"])
    outcome = await retrying(
        ctx, sync(ClientId(UUID(client_id)), AdAccountId(UUID(payload["ad_account_id"]))), client_id=client_id
    )
    return outcome.skipped or f"{outcome.campaigns} campaigns, {outcome.days} days"


async def dispatch_outbox(ctx: dict[str, Any]) -> int:
    """Hand committed job requests to the queue; the dedupe key as arq's job id makes a repeat harmless."""
    outbox = await resolve(_container(ctx).adapters.container.outbox)

    async def send(job: str, payload: Mapping[str, object], dedupe_key: str) -> object:
        return await ctx["redis"].enqueue_job(job, dict(payload), _job_id=dedupe_key)

    return int(await outbox.dispatch(send))


def build_worker(
    runtime: Runtime, redis_url: str, *, configure: Callable[[Container], None] | None = None, **overrides: Any
) -> Worker:
    """An arq worker whose jobs reach the container through their context; `configure` may override the
    container's providers (tests swap adapters that way)."""

    async def startup(ctx: dict[str, Any]) -> None:
        container = runtime.container(pool_size=4, worker=True)
        if configure is not None:
            configure(container)
        await start_resources(container)
        ctx["container"] = container
        ctx[METRICS] = metrics = ServiceMetrics()
        await metrics.watch_database_pools(container)

    async def shutdown(ctx: dict[str, Any]) -> None:
        # A worker stopped while it was starting closes what its startup got to.
        if "container" in ctx:
            await stop_resources(_container(ctx))
        if METRICS in ctx:
            ctx[METRICS].forget_process()

    settings: dict[str, Any] = {
        "functions": [
            func(observed(SEND_EMAIL_JOB, send_email), name=SEND_EMAIL_JOB),
            func(observed(SYNC_AD_ACCOUNT_JOB, sync_ad_account), name=SYNC_AD_ACCOUNT_JOB),
        ],
        "cron_jobs": [
            *(_cron_job(schedule) for schedule in SCHEDULES),
            # Every five seconds: a requested job waits that long at most, however briefly Redis was away.
            cron(
                observed("outbox_dispatch", dispatch_outbox),
                name="outbox_dispatch",
                second=set(range(0, 60, 5)),
                unique=True,
            ),
        ],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        # A try ended by a dead worker counts too: a job that keeps killing its worker is given up after five.
        "max_tries": 5,
        # Also how long a job whose worker died stays marked as running, before another worker takes it up.
        "job_timeout": runtime.settings.job_timeout,
        "job_completion_wait": JOB_COMPLETION_WAIT,
        "handle_signals": True,
    }
    return Worker(**{**settings, **overrides})
