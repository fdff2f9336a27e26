"""What runs on a schedule, how often, and the guard that makes each tick run once across workers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dependency_injector import providers

from arco_entrypoints.container import Container, UseCases
from arco_entrypoints.providing import resolve

log = logging.getLogger("arco.worker")


def _run(pick: Callable[[UseCases], providers.Provider[Any]]) -> Callable[[Container], Awaitable[object]]:
    """Work that builds the use-case `pick` names in the container and calls it with no arguments."""

    async def work(container: Container) -> object:
        use_case = await resolve(pick(container.use_cases.container))
        outcome: object = await use_case()
        return outcome

    return work


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    every: timedelta
    work: Callable[[Container], Awaitable[object]]
    """Given the container, do one run; what it returns is logged."""

    def tick(self, now: datetime) -> datetime:
        """The start of the period `now` falls in: the identity of this run."""
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        return epoch + (now - epoch) // self.every * self.every


KEEP_RECORDS = timedelta(days=30)
"""How long dispatched job requests and completed-run records are kept before housekeeping drops them."""


async def _purge_job_records(container: Container) -> object:
    adapters = container.adapters.container
    cutoff = adapters.clock().now() - KEEP_RECORDS
    outbox = await resolve(adapters.outbox)
    runs = await resolve(adapters.scheduled_runs)
    return {"outbox": await outbox.purge_dispatched(cutoff), "runs": await runs.forget_before(cutoff)}


async def _purge_idempotency_keys(container: Container) -> object:
    store = await resolve(container.adapters.container.idempotency)
    return await store.purge_expired()


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("ticket_sla_scan", timedelta(minutes=1), _run(lambda u: u.scan_ticket_sla)),
    Schedule("uptime_checks", timedelta(minutes=5), _run(lambda u: u.check_uptime)),
    Schedule("upload_reservation_expiry", timedelta(minutes=10), _run(lambda u: u.expire_upload_reservations)),
    Schedule("ticket_auto_close", timedelta(hours=1), _run(lambda u: u.auto_close_resolved_tickets)),
    Schedule("payment_grace", timedelta(hours=1), _run(lambda u: u.enforce_payment_grace)),
    Schedule("network_usage", timedelta(hours=1), _run(lambda u: u.record_network_usage)),
    Schedule("idempotency_key_purge", timedelta(hours=1), _purge_idempotency_keys),
    Schedule("job_record_purge", timedelta(days=1), _purge_job_records),
    Schedule("billing_reconcile", timedelta(days=1), _run(lambda u: u.reconcile_billing_events)),
    Schedule("performance_measurement", timedelta(days=1), _run(lambda u: u.measure_performance)),
    Schedule("domain_expiry_warnings", timedelta(days=1), _run(lambda u: u.warn_of_expiries)),
    Schedule("domain_upkeep", timedelta(days=1), _run(lambda u: u.keep_domains_in_step)),
    Schedule("ads_sync", timedelta(days=1), _run(lambda u: u.schedule_ad_syncs)),
)


async def run_scheduled(container: Container, schedule: Schedule) -> str:
    """Run `schedule` for the current tick unless another worker has, or is doing so now."""
    adapters = container.adapters.container
    tick = schedule.tick(adapters.clock().now())
    runs = await resolve(adapters.scheduled_runs)
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
