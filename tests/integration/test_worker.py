"""The worker on real PostgreSQL and a real (embedded) Valkey: each scheduled tick runs once, however many
workers fire it, and a failed run is not recorded, so it runs again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import func
from dependency_injector import providers
from sqlalchemy import text

from arco_adapters.memory.clock import ManualClock
from arco_adapters.security.secret_box import new_key
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_domain.errors import Unavailable, ValidationError
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import UserType
from arco_domain.model.notifications import OutgoingEmail
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.base import request_email
from arco_domain.use_cases.tickets import AutoCloseResolvedTickets
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings
from arco_entrypoints.worker.app import build_worker, dispatch_outbox
from arco_entrypoints.worker.schedules import SCHEDULES, Schedule, run_scheduled

SECRET = "worker-test-secret-long-enough-for-hs256"
NOW = datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC)
SECRETS_KEY = new_key()


@pytest.fixture
def runtime(database_urls: dict[str, str]) -> Runtime:
    settings = Settings(environment=Environment.TEST, **database_urls, jwt_secret=SECRET, secrets_key=(SECRETS_KEY,))
    return Runtime(settings)


@pytest.fixture
async def container(runtime: Runtime) -> AsyncIterator[Any]:
    container: Any = runtime.container(pool_size=4)
    container.adapters.clock.override(providers.Object(ManualClock(NOW)))
    await container.init_resources()
    yield container
    await container.shutdown_resources()


def counting(name: str, every: timedelta, calls: list[str], *, fail: bool = False) -> Schedule:
    async def work(_: Any) -> object:
        await asyncio.sleep(0.05)  # long enough for a concurrent worker to arrive mid-run
        calls.append(name)
        if fail:
            raise RuntimeError("the job broke halfway")
        return len(calls)

    return Schedule(name, every, work)


class TestScheduledRuns:
    async def test_two_workers_firing_the_same_tick_run_it_once(self, container: Any) -> None:
        calls: list[str] = []
        schedule = counting("count_once", timedelta(minutes=1), calls)
        outcomes = await asyncio.gather(*(run_scheduled(container, schedule) for _ in range(2)))
        assert sorted(outcomes) == ["ran", "skipped"]
        assert await run_scheduled(container, schedule) == "skipped"
        assert calls == ["count_once"]

    async def test_the_next_tick_runs_again(self, container: Any) -> None:
        calls: list[str] = []
        schedule = counting("count_ticks", timedelta(minutes=1), calls)
        await run_scheduled(container, schedule)
        container.adapters.clock().advance(timedelta(minutes=1))
        assert await run_scheduled(container, schedule) == "ran"
        assert calls == ["count_ticks", "count_ticks"]

    async def test_a_failed_run_is_not_recorded_and_runs_again(self, container: Any) -> None:
        calls: list[str] = []
        with pytest.raises(RuntimeError):
            await run_scheduled(container, counting("flaky", timedelta(hours=1), calls, fail=True))
        assert await run_scheduled(container, counting("flaky", timedelta(hours=1), calls)) == "ran"
        assert calls == ["flaky", "flaky"]

    async def test_a_run_under_way_holds_its_lock_but_no_transaction(self, container: Any) -> None:
        seen: dict[str, int] = {}

        async def look(_: Any) -> object:
            # The runs' own role: PostgreSQL shows a backend's state only to its role (or a superuser).
            engine = await container.adapters.agency_engine()
            async with engine.connect() as connection:
                activity = text(
                    "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%'),"
                    " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted)"
                    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                seen["idle_in_transaction"], seen["advisory_locks"] = (await connection.execute(activity)).one()
            return "looked"

        assert await run_scheduled(container, Schedule("look_around", timedelta(hours=1), look)) == "ran"
        assert seen == {"idle_in_transaction": 0, "advisory_locks": 1}

    async def test_every_scheduled_job_runs_against_real_adapters_and_twice_is_harmless(self, container: Any) -> None:
        for schedule in SCHEDULES:
            assert await run_scheduled(container, schedule) == "ran", schedule.name
            assert await run_scheduled(container, schedule) == "skipped", schedule.name

    def test_ticks_are_the_start_of_their_period(self) -> None:
        hourly = Schedule("h", timedelta(hours=1), lambda _: asyncio.sleep(0))
        assert hourly.tick(NOW) == datetime(2026, 6, 1, 12, tzinfo=UTC)
        assert hourly.tick(NOW + timedelta(minutes=59)) == hourly.tick(NOW)


class TestArqWorker:
    async def test_a_worker_on_embedded_valkey_runs_a_queued_job_through_the_container(
        self, runtime: Runtime, valkey: EmbeddedValkey
    ) -> None:
        seen: list[Any] = []

        async def probe(ctx: dict[str, Any]) -> str:
            use_case = await ctx["container"].use_cases.auto_close_resolved_tickets()
            seen.append(use_case)
            return "done"

        worker = build_worker(runtime, valkey.url, functions=[func(probe, name="probe")], burst=True, poll_delay=0.05,
                              handle_signals=False, cron_jobs=[])  # fmt: skip
        pool = await create_pool(RedisSettings.from_dsn(valkey.url))
        job = await pool.enqueue_job("probe")
        assert job is not None
        await worker.main()
        assert await job.result(timeout=5) == "done"
        assert isinstance(seen[0], AutoCloseResolvedTickets)
        await worker.close()
        await pool.aclose()


class TestOutbox:
    async def test_only_committed_requests_reach_the_queue_and_each_once(self, container: Any) -> None:
        uow = await container.adapters.uow()
        async with uow(DataScope.all_clients()) as unit:
            await unit.jobs.enqueue(
                "send_email", {"to": "a@example.com", "subject": "s", "text": "t"}, dedupe_key="kept"
            )
            await unit.commit()
        async with uow(DataScope.all_clients()) as unit:
            await unit.jobs.enqueue(
                "send_email", {"to": "b@example.com", "subject": "s", "text": "t"}, dedupe_key="dropped"
            )
        handed: list[str] = []

        async def send(job: str, payload: Any, key: str) -> None:
            handed.append(key)

        outbox = await container.adapters.outbox()
        assert await outbox.dispatch(send) == 1
        assert await outbox.dispatch(send) == 0
        assert handed == ["kept"]

    async def test_a_queue_that_is_down_leaves_the_requests_pending(self, container: Any) -> None:
        uow = await container.adapters.uow()
        async with uow(DataScope.all_clients()) as unit:
            await unit.jobs.enqueue(
                "send_email", {"to": "c@example.com", "subject": "s", "text": "t"}, dedupe_key="retry"
            )
            await unit.commit()

        async def unreachable(job: str, payload: Any, key: str) -> None:
            raise ConnectionError("the queue is down")

        outbox = await container.adapters.outbox()
        with pytest.raises(ConnectionError):
            await outbox.dispatch(unreachable)
        handed: list[str] = []

        async def send(job: str, payload: Any, key: str) -> None:
            handed.append(key)

        assert await outbox.dispatch(send) >= 1
        assert "retry" in handed

    async def test_a_requested_email_travels_outbox_queue_worker_and_lands_in_the_mail_log(
        self, runtime: Runtime, container: Any, valkey: EmbeddedValkey
    ) -> None:
        uow = await container.adapters.uow()
        async with uow(DataScope.all_clients()) as unit:
            await request_email(unit, OutgoingEmail(("staff@example.com",), "SLA at risk", "Ticket 1", "sla-test-1"))
            await unit.commit()
        pool = await create_pool(RedisSettings.from_dsn(valkey.url))
        assert await dispatch_outbox({"container": container, "redis": pool}) >= 1
        worker = build_worker(runtime, valkey.url, burst=True, poll_delay=0.05, handle_signals=False, cron_jobs=[])
        await worker.main()
        await worker.close()
        await pool.aclose()
        logged = await (await container.adapters.mailer()).recent(50)
        assert [entry.email.subject for entry in logged if entry.email.dedupe_key == "sla-test-1"] == ["SLA at risk"]


class TestAdSync:
    async def run_queued_jobs(self, runtime: Runtime, container: Any, valkey: EmbeddedValkey) -> None:
        pool = await create_pool(RedisSettings.from_dsn(valkey.url))
        try:
            assert await dispatch_outbox({"container": container, "redis": pool}) >= 1
        finally:
            await pool.aclose()
        worker = build_worker(runtime, valkey.url, burst=True, poll_delay=0.05, handle_signals=False, cron_jobs=[])
        await worker.main()
        await worker.close()

    async def stored(self, container: Any, client_id: Any) -> tuple[int, int]:
        uow = await container.adapters.uow()
        async with uow(DataScope.of_client(client_id)) as unit:
            campaigns = await unit.campaigns.list_for_client(client_id)
            days = [
                day
                for campaign in campaigns
                for day in await unit.metrics.campaign_days(client_id, campaign.id, date(2020, 1, 1), date(2030, 1, 1))
            ]
        return len(campaigns), len(days)

    async def test_a_connected_account_syncs_through_the_queue_and_the_daily_run_changes_no_count(
        self, runtime: Runtime, container: Any, valkey: EmbeddedValkey
    ) -> None:
        registration = await (await container.use_cases.register_client())(email="ads@example.com", company_name="Ads")
        client_id = registration.client.id
        owner = Principal(registration.user.id, UserType.CLIENT, client_id, client_role=registration.owner.role)
        await (await container.use_cases.change_plan())(None, client_id, tier=Tier.PRO)
        connect = await container.use_cases.connect_ad_account()
        await connect(owner, client_id, platform="google_ads", account_id="123-456-7890", grant="1//sandbox")

        await self.run_queued_jobs(runtime, container, valkey)
        campaigns, days = await self.stored(container, client_id)
        assert campaigns == 3 and days > 100

        assert await (await container.use_cases.schedule_ad_syncs())() == 1
        await self.run_queued_jobs(runtime, container, valkey)
        assert await self.stored(container, client_id) == (campaigns, days)


class FlakyMailer:
    """Refuses twice as a throttled provider would (with a tiny Retry-After), then delivers."""

    def __init__(self) -> None:
        self.attempts = 0
        self.delivered: list[str] = []

    async def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self.attempts < 3:
            error = Unavailable("throttled")
            error.retry_after = 0.05  # type: ignore[attr-defined]
            raise error
        self.delivered.append(email.dedupe_key)


class BrokenMailer:
    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        raise ValidationError("the address is refused", field="to")


class TestRetries:
    async def run_send_job(self, runtime: Runtime, valkey: EmbeddedValkey, mailer: object, key: str) -> Any:
        pool = await create_pool(RedisSettings.from_dsn(valkey.url))
        job = await pool.enqueue_job("send_email", {"to": "ops@example.com", "subject": "s", "text": "t"}, _job_id=key)
        assert job is not None
        worker = build_worker(
            runtime, valkey.url, configure=lambda c: c.adapters.mailer.override(providers.Object(mailer)),
            burst=True, poll_delay=0.05, handle_signals=False, cron_jobs=[],
        )  # fmt: skip
        await worker.main()
        await worker.close()
        info = await job.result_info()
        await pool.aclose()
        return info

    async def test_a_transient_failure_is_retried_until_it_succeeds(
        self, runtime: Runtime, valkey: EmbeddedValkey
    ) -> None:
        mailer = FlakyMailer()
        info = await self.run_send_job(runtime, valkey, mailer, "retry-me")
        assert (info.success, info.job_try) == (True, 3)
        assert mailer.delivered == ["retry-me"]

    async def test_a_permanent_failure_is_not_retried(self, runtime: Runtime, valkey: EmbeddedValkey) -> None:
        mailer = BrokenMailer()
        info = await self.run_send_job(runtime, valkey, mailer, "give-up")
        assert info.success is False
        assert mailer.attempts == 1


class TestHousekeeping:
    async def test_old_dispatched_requests_and_run_records_are_dropped_and_pending_ones_kept(
        self, container: Any
    ) -> None:
        uow = await container.adapters.uow()
        async with uow(DataScope.all_clients()) as unit:
            await unit.jobs.enqueue(
                "send_email", {"to": "x@example.com", "subject": "s", "text": "t"}, dedupe_key="old"
            )
            await unit.commit()
        outbox = await container.adapters.outbox()

        async def send(job: str, payload: Any, key: str) -> None:
            return None

        await outbox.dispatch(send)
        async with uow(DataScope.all_clients()) as unit:
            await unit.jobs.enqueue(
                "send_email", {"to": "y@example.com", "subject": "s", "text": "t"}, dedupe_key="new"
            )
            await unit.commit()
        runs = await container.adapters.scheduled_runs()
        async with runs.once("ancient", NOW - timedelta(days=400)) as ours:
            assert ours
        future = datetime.now(UTC) + timedelta(days=1)
        assert await outbox.purge_dispatched(future) >= 1
        assert await runs.forget_before(NOW - timedelta(days=30)) >= 1
        handed: list[str] = []

        async def collect(job: str, payload: Any, key: str) -> None:
            handed.append(key)

        assert await outbox.dispatch(collect) >= 1
        assert "new" in handed and "old" not in handed
        async with runs.once("ancient", NOW - timedelta(days=400)) as again:
            assert again
