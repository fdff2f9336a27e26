"""What runs on a schedule, how often, and the guard that makes each tick run once across workers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from arco_entrypoints.providing import resolve

log = logging.getLogger("arco.worker")


async def _use_case(container: Any, name: str) -> object:
    return await (await resolve(getattr(container, name)))()


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    every: timedelta
    work: Callable[[Any], Awaitable[object]]
    """Given the container, do one run; what it returns is logged."""

    def tick(self, now: datetime) -> datetime:
        """The start of the period `now` falls in: the identity of this run."""
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        return epoch + (now - epoch) // self.every * self.every


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("ticket_sla_scan", timedelta(minutes=1), lambda c: _use_case(c, "scan_ticket_sla")),
    Schedule("uptime_checks", timedelta(minutes=5), lambda c: _use_case(c, "check_uptime")),
    Schedule("upload_reservation_expiry", timedelta(minutes=10), lambda c: _use_case(c, "expire_upload_reservations")),
    Schedule("ticket_auto_close", timedelta(hours=1), lambda c: _use_case(c, "auto_close_resolved_tickets")),
    Schedule("payment_grace", timedelta(hours=1), lambda c: _use_case(c, "enforce_payment_grace")),
    Schedule("network_usage", timedelta(hours=1), lambda c: _use_case(c, "record_network_usage")),
    Schedule("idempotency_key_purge", timedelta(hours=1), lambda c: _purge_idempotency_keys(c)),
    Schedule("job_record_purge", timedelta(days=1), lambda c: _purge_job_records(c)),
    Schedule("billing_reconcile", timedelta(days=1), lambda c: _use_case(c, "reconcile_billing_events")),
    Schedule("performance_measurement", timedelta(days=1), lambda c: _use_case(c, "measure_performance")),
    Schedule("domain_expiry_warnings", timedelta(days=1), lambda c: _use_case(c, "warn_of_expiries")),
    Schedule("domain_upkeep", timedelta(days=1), lambda c: _use_case(c, "keep_domains_in_step")),
    Schedule("ads_sync", timedelta(days=1), lambda c: _use_case(c, "schedule_ad_syncs")),
)


KEEP_RECORDS = timedelta(days=30)
"""How long dispatched job requests and completed-run records are kept before housekeeping drops them."""


async def _purge_job_records(container: Any) -> object:
    cutoff = (await resolve(container.clock)).now() - KEEP_RECORDS
    outbox = await resolve(container.outbox)
    runs = await resolve(container.scheduled_runs)
    return {"outbox": await outbox.purge_dispatched(cutoff), "runs": await runs.forget_before(cutoff)}


async def _purge_idempotency_keys(container: Any) -> object:
    store = await resolve(container.idempotency)
    return await store.purge_expired()


async def run_scheduled(container: Any, schedule: Schedule) -> str:
    """Run `schedule` for the current tick unless another worker has, or is doing so now."""
    now = (await resolve(container.clock)).now()
    tick = schedule.tick(now)
    runs = await resolve(container.scheduled_runs)
    async with runs.once(schedule.name, tick) as ours:
        if not ours:
            return "skipped"
        try:
            outcome = await schedule.work(container)
        except Exception:
            log.exception("scheduled job %s for %s failed", schedule.name, tick.isoformat())
            raise
    log.info("scheduled job %s for %s done: %s", schedule.name, tick.isoformat(), outcome)
    return "ran"
