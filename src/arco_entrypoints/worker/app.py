"""The arq worker, built from the same container as the HTTP app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Worker

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


def build_worker(runtime: Runtime, redis_url: str, **overrides: Any) -> Worker:
    """An arq worker whose jobs reach the container through their context."""

    async def startup(ctx: dict[str, Any]) -> None:
        container: Any = runtime.container(pool_size=4)
        await container.init_resources()
        ctx["container"] = container

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["container"].shutdown_resources()

    settings: dict[str, Any] = {
        "functions": [],
        "cron_jobs": [_cron_job(schedule) for schedule in SCHEDULES],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "job_timeout": 600,
        "handle_signals": True,
    }
    return Worker(**{**settings, **overrides})
