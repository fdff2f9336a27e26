"""A real worker on a real queue: the lines its jobs log name the arq job, and each run is counted by outcome."""

from __future__ import annotations

import logging
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from dependency_injector import providers

from arco_adapters.security.secret_box import new_key
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_domain.errors import Unavailable
from arco_domain.model.notifications import OutgoingEmail
from arco_entrypoints.observability.jobs import METRICS
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings
from arco_entrypoints.worker.app import build_worker
from tests.log_lines import captured_logs


class ThrottledOnceMailer:
    """Logs each attempt; refuses the first as a throttled provider would, then delivers."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        logging.getLogger("arco.mail").info("sending", extra={"attempt": self.attempts})
        if self.attempts == 1:
            error = Unavailable("throttled")
            error.retry_after = 0.05  # type: ignore[attr-defined]
            raise error


async def test_a_jobs_lines_carry_its_job_id_and_its_runs_are_counted(
    database_urls: dict[str, str], valkey: EmbeddedValkey
) -> None:
    settings = Settings(
        environment=Environment.TEST, **database_urls, jwt_secret="worker-test-secret-long-enough-for-hs256",
        secrets_key=(new_key(),),
    )  # fmt: skip
    pool = await create_pool(RedisSettings.from_dsn(valkey.url))
    job = await pool.enqueue_job("send_email", {"to": "ops@example.com", "subject": "s", "text": "t"}, _job_id="obs-1")
    assert job is not None
    mailer = ThrottledOnceMailer()
    worker = build_worker(
        Runtime(settings), valkey.url, configure=lambda c: c.adapters.mailer.override(providers.Object(mailer)),
        burst=True, poll_delay=0.05, handle_signals=False, cron_jobs=[],
    )  # fmt: skip
    with captured_logs("info") as logs:
        await worker.main()
    metrics: Any = worker.ctx[METRICS]
    await worker.close()
    await pool.aclose()

    attempts = logs.where(logger="arco.mail", message="sending")
    assert [(line["job_id"], line["job"], line["attempt"]) for line in attempts] == [
        ("obs-1", "send_email", 1),
        ("obs-1", "send_email", 2),
    ]
    [retry] = logs.where(logger="arco.worker", level="warning")
    assert retry["job_id"] == "obs-1"
    runs = metrics.registry.get_sample_value
    assert runs("arco_job_runs_total", {"job": "send_email", "outcome": "retried"}) == 1
    assert runs("arco_job_runs_total", {"job": "send_email", "outcome": "succeeded"}) == 1
