"""Log lines, job observation, readiness and error reports, without a server: what each piece does on its own."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import sentry_sdk
from arq.worker import Retry
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from sentry_sdk.integrations.litestar import LitestarIntegration

from arco_domain.errors import NotFound
from arco_domain.use_cases.health import CheckReadiness
from arco_entrypoints.observability.jobs import METRICS, observed
from arco_entrypoints.observability.logs import log_context, redact_text, substitute_secrets
from arco_entrypoints.observability.metrics import ServiceMetrics
from arco_entrypoints.observability.sentry import configure_sentry
from arco_entrypoints.settings import Settings
from tests.log_lines import captured_logs
from tests.sentry_recording import recording_sentry


class TestLogLines:
    def test_secrets_are_redacted_by_name_and_by_shape(self) -> None:
        with captured_logs("info") as logs:
            log = logging.getLogger("arco.test")
            log.info('HTTP Request: GET https://api.example.com/run?url=x&key=k3y-value "HTTP/1.1 200 OK"')
            log.info("calling with Bearer abc.def-ghi and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
            log.info("connecting", extra={"password": "hunter2", "refresh_token": "r3fresh", "count": 3})
            log.info("to postgresql://arco:s3cret-pw@db.example.com/arco")
        for secret in ("k3y-value", "abc.def-ghi", "eyJhbGciOiJIUzI1NiJ9", "hunter2", "r3fresh", "s3cret-pw"):
            assert secret not in logs.text
        [connecting] = logs.where(message="connecting")
        assert (connecting["count"], connecting["password"], connecting["refresh_token"]) == (3, *["[redacted]"] * 2)
        redacted = 'HTTP Request: GET https://api.example.com/run?url=x&key=[redacted] "HTTP/1.1 200 OK"'
        assert logs.where(message=redacted)

    @given(
        st.lists(
            st.sampled_from(["Bearer abc.def", "eyJhbGciOi.eyJzdWIi.sig", "?key=AIza1", "&token=t0k", "://u:p@h/",
                             "bearer", "eyJ", "?", "&", "=", "://", ":", "@", " ", "GET", "/v1/dashboard", "é"])
            | st.text(max_size=12),
            max_size=8,
        ).map("".join)
    )  # fmt: skip
    def test_the_quick_check_lets_through_only_text_the_substitutions_would_leave_alone(self, text: str) -> None:
        assert redact_text(text) == substitute_secrets(text)

    def test_a_failure_is_one_line_with_its_traceback_and_the_context(self) -> None:
        with captured_logs("info") as logs, log_context(job_id="job-1"):
            try:
                raise ValueError("broken")
            except ValueError:
                logging.getLogger("arco.test").exception("it failed")
        [line] = logs.lines()
        assert (line["level"], line["job_id"], line["message"]) == ("error", "job-1", "it failed")
        assert "ValueError: broken" in line["exception"]

    def test_sql_statements_show_at_debug_only_and_result_rows_never(self) -> None:
        with captured_logs("info"):
            assert logging.getLogger("sqlalchemy.engine.Engine").getEffectiveLevel() == logging.WARNING
        with captured_logs("debug"):
            engine = logging.getLogger("sqlalchemy.engine.Engine")
            assert engine.isEnabledFor(logging.INFO) and not engine.isEnabledFor(logging.DEBUG)

    def test_uvicorn_lines_go_through_the_json_handler_and_its_access_lines_are_left_to_arco(self) -> None:
        with captured_logs("info") as logs:
            logging.getLogger("uvicorn.error").info("Started server process")
            logging.getLogger("uvicorn.access").info("GET / 200")
        assert [line["message"] for line in logs.lines()] == ["Started server process"]


def sample(metrics: ServiceMetrics, name: str, **labels: str) -> float | None:
    registry: CollectorRegistry = metrics.registry
    return registry.get_sample_value(name, labels)


class TestObservedJobs:
    async def run(self, job: Any, metrics: ServiceMetrics) -> Any:
        return await observed("a_job", job)({"job_id": "job-42", METRICS: metrics})

    async def test_a_job_logs_with_its_id_and_counts_its_outcome(self) -> None:
        metrics = ServiceMetrics()

        async def works(_: dict[str, Any]) -> str:
            logging.getLogger("arco.worker").info("working")
            return "done"

        with captured_logs("info") as logs:
            assert await self.run(works, metrics) == "done"
        [line] = logs.where(message="working")
        assert (line["job_id"], line["job"]) == ("job-42", "a_job")
        assert sample(metrics, "arco_job_runs_total", job="a_job", outcome="succeeded") == 1
        assert sample(metrics, "arco_job_duration_seconds_count", job="a_job") == 1

    @pytest.mark.parametrize(
        ("error", "outcome"),
        [(Retry(defer=1), "retried"), (RuntimeError("broken"), "failed"), (asyncio.CancelledError(), "cancelled")],
    )
    async def test_a_job_that_does_not_finish_is_counted_by_how(self, error: BaseException, outcome: str) -> None:
        metrics = ServiceMetrics()

        async def stops(_: dict[str, Any]) -> str:
            raise error

        with pytest.raises(type(error)):
            await self.run(stops, metrics)
        assert sample(metrics, "arco_job_runs_total", job="a_job", outcome=outcome) == 1


class Probe:
    def __init__(self, answers: bool, *, waits_for: asyncio.Event | None = None) -> None:
        self._answers = answers
        self.waits_for = waits_for
        self.started = asyncio.Event()

    async def answers(self) -> bool:
        self.started.set()
        if self.waits_for is not None:
            await self.waits_for.wait()
        return self._answers


class TestCheckReadiness:
    async def test_ready_when_every_dependency_answers(self) -> None:
        readiness = await CheckReadiness(probes={"database": Probe(True), "queue": Probe(True)})()
        assert readiness.ready and readiness.down == ()

    async def test_the_silent_dependencies_are_named_in_order(self) -> None:
        probes = {"queue": Probe(False), "database": Probe(False), "cache": Probe(True)}
        readiness = await CheckReadiness(probes=probes)()
        assert not readiness.ready and readiness.down == ("database", "queue")

    async def test_the_dependencies_are_asked_at_once(self) -> None:
        first = Probe(True)
        second = Probe(True, waits_for=first.started)
        first.waits_for = second.started  # each answers only once the other was asked
        readiness = await asyncio.wait_for(CheckReadiness(probes={"a": first, "b": second})(), timeout=2)
        assert readiness.ready


class TestSentry:
    def test_nothing_is_set_up_without_a_dsn(self) -> None:
        assert configure_sentry(None, environment="test") is False
        assert not sentry_sdk.get_client().is_active()

    def test_a_dsn_turns_on_the_litestar_integration(self) -> None:
        with recording_sentry():
            client = sentry_sdk.get_client()
            assert client.is_active() and client.get_integration(LitestarIntegration) is not None
            assert not client.options["send_default_pii"] and client.options["max_request_body_size"] == "never"
        assert not sentry_sdk.get_client().is_active()

    def test_a_report_is_redacted_and_a_refusal_of_the_callers_is_not_reported(self) -> None:
        with recording_sentry() as transport:
            try:
                raise RuntimeError("calling https://api.example.com/x?access_token=t0ken-value failed")
            except RuntimeError as error:
                sentry_sdk.capture_exception(error)
            sentry_sdk.capture_exception(NotFound("project", "p-1"))
        [event] = transport.events()
        assert event["environment"] == "staging"
        [exception] = event["exception"]["values"]
        assert exception["type"] == "RuntimeError" and "t0ken-value" not in exception["value"]


class TestSettings:
    def test_everything_is_quiet_and_off_unless_asked(self) -> None:
        settings = Settings.from_environment({"ARCO_ENV": "staging"})
        assert (settings.log_level, settings.metrics_token, settings.sentry_dsn) == ("info", None, None)

    def test_the_three_variables_are_read(self) -> None:
        settings = Settings.from_environment(
            {"ARCO_ENV": "staging", "ARCO_LOG_LEVEL": "debug",
             "ARCO_METRICS_TOKEN": "m" * 32, "ARCO_SENTRY_DSN": "https://key@errors.example.com/42"}
        )  # fmt: skip
        assert (settings.log_level, settings.metrics_token, settings.sentry_dsn) == (
            "debug", "m" * 32, "https://key@errors.example.com/42",
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("variable", "value"),
        [("ARCO_LOG_LEVEL", "loud"), ("ARCO_METRICS_TOKEN", "short"), ("ARCO_SENTRY_DSN", "errors.example.com")],
    )
    def test_a_bad_value_stops_the_start_naming_its_variable(self, variable: str, value: str) -> None:
        with pytest.raises(SystemExit) as stopped:
            Settings.from_environment({"ARCO_ENV": "staging", variable: value})
        assert str(stopped.value).startswith(f"{variable}: ")
