"""The arq worker, built from the same container as the HTTP app."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Worker, func

from arco_domain.model.notifications import SEND_EMAIL_JOB, email_from_job
from arco_entrypoints.providing import resolve
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.worker.schedules import SCHEDULES, Schedule, run_scheduled


def _timing(every: timedelta) -> dict[str, Any]:
    """arq's cron fields for a period: every minute, every N minutes, hourly or daily (at 03:00 UTC)."""
    minutes = int(every.total_seconds() // 60)
    if every >= timedelta(days=1):
        return {"hour": 3, "minute": 0, "second": 0}
    if every >= timedelta(hours=1):
        return {"minute": 0, "second": 0}
    return {"minute": set(range(0, 60, minutes)), "second": 0}


def _cron_job(schedule: Schedule) -> CronJob:
    async def job(ctx: dict[str, Any]) -> str:
        return await run_scheduled(ctx["container"], schedule)

    job.__qualname__ = job.__name__ = schedule.name
    return cron(job, name=schedule.name, unique=True, **_timing(schedule.every))


async def send_email(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """Deliver one e-mail a committed unit of work asked for; the job id is its dedupe key."""
    mailer = await resolve(ctx["container"].mailer)
    await mailer.send(email_from_job(payload, ctx["job_id"]))
    return "sent"


async def dispatch_outbox(ctx: dict[str, Any]) -> int:
    """Hand committed job requests to the queue; the dedupe key as arq's job id makes a repeat harmless."""
    outbox = await resolve(ctx["container"].outbox)

    async def send(job: str, payload: Mapping[str, object], dedupe_key: str) -> object:
        return await ctx["redis"].enqueue_job(job, dict(payload), _job_id=dedupe_key)

    return int(await outbox.dispatch(send))


def build_worker(runtime: Runtime, redis_url: str, **overrides: Any) -> Worker:
    """An arq worker whose jobs reach the container through their context."""

    async def startup(ctx: dict[str, Any]) -> None:
        container: Any = runtime.container(pool_size=4)
        await container.init_resources()
        ctx["container"] = container

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["container"].shutdown_resources()

    settings: dict[str, Any] = {
        "functions": [func(send_email, name=SEND_EMAIL_JOB)],
        "cron_jobs": [
            *(_cron_job(schedule) for schedule in SCHEDULES),
            # Every five seconds: a requested job waits that long at most, however briefly Redis was away.
            cron(dispatch_outbox, name="outbox_dispatch", second=set(range(0, 60, 5)), unique=True),
        ],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "job_timeout": 600,
        "handle_signals": True,
    }
    return Worker(**{**settings, **overrides})
