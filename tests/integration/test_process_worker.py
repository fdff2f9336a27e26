"""A real `arco worker` killed in the middle of a job: the job's transaction leaves nothing behind, and the next
worker runs the job again, once, from the start. A worker stopped while it starts closes cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import Job, JobResult
from dependency_injector import providers

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.security.secret_box import new_key
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_domain.model.access import Principal
from arco_domain.model.clients import UserType
from arco_domain.model.tiers import Tier
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings
from arco_entrypoints.worker.app import build_worker
from tests.integration.test_process_serve import clean_environment

JOB_TIMEOUT = 10
"""Short, so a job whose worker died is taken up again 20 s after it started rather than ten minutes."""
SECRETS_KEY = new_key()
WAITING_TO_WRITE_DAYS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    " AND query LIKE '%campaign_metrics%'"
)
STORED = (
    "SELECT (SELECT count(*) FROM campaigns WHERE client_id = $1),"
    " (SELECT count(*) FROM campaign_metrics WHERE client_id = $1),"
    " (SELECT last_synced_at FROM ad_accounts WHERE client_id = $1)"
)


@pytest.fixture
def runtime(database_urls: dict[str, str]) -> Runtime:
    secret = "process-worker-test-secret-of-enough-length"
    settings = Settings(environment=Environment.STAGING, **database_urls, jwt_secret=secret, secrets_key=(SECRETS_KEY,))
    return Runtime(settings)


@pytest.fixture
async def container(runtime: Runtime) -> AsyncIterator[Any]:
    container: Any = runtime.container(pool_size=2)
    await container.init_resources()
    yield container
    await container.shutdown_resources()


@contextmanager
def worker(runtime: Runtime, valkey: EmbeddedValkey, tmp_path: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """`arco worker` on the test's database and Valkey, as a deploy runs it: the database is already migrated."""
    settings = runtime.settings
    assert settings.database_url and settings.agency_database_url and settings.scope_key and settings.jwt_secret
    environment = clean_environment(
        ARCO_ENV="staging", ARCO_DATA_DIR=str(tmp_path / name), ARCO_DATABASE_URL=settings.database_url,
        ARCO_AGENCY_DATABASE_URL=settings.agency_database_url, ARCO_SCOPE_KEY=settings.scope_key,
        ARCO_JWT_SECRET=settings.jwt_secret, ARCO_SECRETS_KEY=SECRETS_KEY, ARCO_REDIS_URL=valkey.url,
        ARCO_MIGRATE_ON_START="off", ARCO_JOB_TIMEOUT=str(JOB_TIMEOUT),
    )  # fmt: skip
    with (tmp_path / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "arco_entrypoints.cli", "worker"], env=environment, stdout=log, stderr=log
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


async def _fetch(postgres: EmbeddedPostgres, database: str, query: str, *arguments: object) -> list[Any]:
    connection = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
    try:
        return list(await connection.fetch(query, *arguments))
    finally:
        await connection.close()


async def _job_result(valkey: EmbeddedValkey, job_id: str) -> JobResult | None:
    pool = await create_pool(RedisSettings.from_dsn(valkey.url))
    try:
        return await Job(job_id, pool).result_info()
    finally:
        await pool.aclose()


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout: float, every: float = 0.25) -> Any:
    """Await `check` until it gives something truthy, which is returned; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = await check()
        if outcome:
            return outcome
        await asyncio.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


class TestWorkerKilledMidJob:
    async def test_a_sync_cut_short_by_sigkill_leaves_no_rows_and_the_next_worker_runs_it_once(
        self,
        runtime: Runtime,
        container: Any,
        valkey: EmbeddedValkey,
        postgres: EmbeddedPostgres,
        database: str,
        tmp_path: Path,
    ) -> None:
        registration = await (await container.use_cases.register_client())(
            email="killed@example.com", company_name="Killed"
        )
        client_id = registration.client.id
        owner = Principal(registration.user.id, UserType.CLIENT, client_id, client_role=registration.owner.role)
        await (await container.use_cases.change_plan())(None, client_id, tier=Tier.PRO)
        connect = await container.use_cases.connect_ad_account()
        await connect(owner, client_id, platform="google_ads", account_id="123-456-7890", grant="1//sandbox")
        outbox = "SELECT dedupe_key FROM job_outbox WHERE job = 'sync_ad_account'"
        [(job_id,)] = await _fetch(postgres, database, outbox)

        # The sync stores its campaigns, then waits on this lock to store their days: the worker dies mid-write.
        blocker = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE campaign_metrics IN EXCLUSIVE MODE")

        async def sync_waiting() -> list[Any]:
            return await _fetch(postgres, database, WAITING_TO_WRITE_DAYS)

        with worker(runtime, valkey, tmp_path, "first") as first:
            [(backend,)] = await eventually(sync_waiting, "the sync to wait mid-write", 60, every=0.05)
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        await transaction.rollback()
        await blocker.close()

        async def backend_gone() -> bool:
            # It learns that its client is gone when it next writes to it, and rolls back.
            return not await _fetch(postgres, database, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", backend)

        await eventually(backend_gone, "the dead worker's transaction to end", 30)
        assert tuple((await _fetch(postgres, database, STORED, client_id))[0]) == (0, 0, None)

        with worker(runtime, valkey, tmp_path, "second") as second:
            result = await eventually(lambda: _job_result(valkey, job_id), "the job to run again", 90, every=1)
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
        assert (result.success, result.job_try) == (True, 2), result
        campaigns, days, synced_at = (await _fetch(postgres, database, STORED, client_id))[0]
        assert result.result == f"{campaigns} campaigns, {days} days"
        assert campaigns == 3 and days > 0 and synced_at is not None


class TestWorkerStoppedWhileStarting:
    async def test_a_stop_during_startup_closes_the_worker_without_an_error(
        self, runtime: Runtime, valkey: EmbeddedValkey
    ) -> None:
        connecting = asyncio.Event()

        async def database_that_never_answers() -> AsyncIterator[None]:
            connecting.set()
            await asyncio.Event().wait()
            yield None

        def stalled(container: Any) -> None:
            container.adapters.engine.override(providers.Resource(database_that_never_answers))

        worker = build_worker(runtime, valkey.url, configure=stalled, handle_signals=False, cron_jobs=[])
        worker.main_task = asyncio.create_task(worker.main())
        await asyncio.wait_for(connecting.wait(), 30)
        worker.handle_sig(signal.SIGTERM)  # what SIGTERM does: the startup is cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await worker.main_task
        await asyncio.wait_for(worker.close(), 30)
        assert worker.main_task.cancelled()
