"""Every background job runs inside its own log context (`job_id`, `job`) and is counted by outcome."""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

from arq.typing import WorkerCoroutine
from arq.worker import Retry

from arco_entrypoints.observability.logs import log_context
from arco_entrypoints.observability.metrics import ServiceMetrics

METRICS = "metrics"
"""The key of the process's `ServiceMetrics` in the worker's context."""


def observed(name: str, job: WorkerCoroutine) -> WorkerCoroutine:
    """`job`, logging with its arq job id and counted as `succeeded`, `retried` (it asked to run again later),
    `failed` or `cancelled` (it ran past its time limit, or the worker stopped)."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        metrics: ServiceMetrics = ctx[METRICS]
        outcome = "failed"
        started = time.perf_counter()
        with log_context(job_id=str(ctx.get("job_id")), job=name):
            try:
                result = await job(ctx, *args, **kwargs)
                outcome = "succeeded"
                return result
            except Retry:
                outcome = "retried"
                raise
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            finally:
                metrics.observe_job(name, outcome, time.perf_counter() - started)

    return run
