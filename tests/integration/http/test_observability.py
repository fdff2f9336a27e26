"""What an operator sees of the real app: request ids, JSON log lines with the caller's ids, metrics behind their
token, readiness that names the dependency that is down, and no secret in any log line."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

from arco_adapters.postgres.database import AGENCY_LOGIN, APP_ROLE
from arco_adapters.stripe.webhooks import sign_payload
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_domain.use_cases.projects import CreateProject
from arco_entrypoints.container import Container
from arco_entrypoints.http.app import create_app
from arco_entrypoints.observability.requests import SANE_REQUEST_ID
from arco_entrypoints.providing import resolve
from tests.integration.http.conftest import Account, FailingUnits, Staff, cheap_hasher, settings_for, sign_up
from tests.integration.http.test_billing import WEBHOOK_SECRET, fixture
from tests.log_lines import CapturedLines, captured_logs
from tests.sentry_recording import recording_sentry

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789"


def observed_container(database_urls: dict[str, str], **changes: Any) -> Container:
    container = Container(
        settings=settings_for(
            database_urls, metrics_token=METRICS_TOKEN, stripe_webhook_secret=WEBHOOK_SECRET, **changes
        )
    )
    container.adapters.hasher.override(providers.Resource(cheap_hasher))
    return container


@pytest.fixture
def container(database_urls: dict[str, str]) -> Container:
    return observed_container(database_urls)


@pytest.fixture
def logs() -> Any:
    with captured_logs("debug") as capture:
        yield capture


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def access_lines(logs: CapturedLines, **fields: Any) -> list[dict[str, Any]]:
    return logs.where(logger="arco.http.access", **fields)


async def scrape(api: AsyncTestClient[Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float | None:
    return figures.get((name, tuple(sorted(labels.items()))))


class TestRequestIds:
    async def test_a_sane_request_id_comes_back_in_the_header_the_problem_and_the_log_lines(
        self, api: AsyncTestClient[Any], logs: CapturedLines
    ) -> None:
        response = await api.get(f"/v1/projects/{uuid4()}", headers={"X-Request-ID": "trace-42.a_b"})
        assert response.status_code == 401
        assert response.headers["x-request-id"] == "trace-42.a_b"
        assert response.json()["instance"] == "trace-42.a_b"
        [line] = access_lines(logs, request_id="trace-42.a_b")
        assert (line["status"], line["route"], line["method"]) == (401, "/v1/projects/{project_id}", "GET")
        assert {"timestamp", "level", "message"} <= line.keys()

    @pytest.mark.parametrize("given", ["two words", "a;b", "x" * 129, ""])
    async def test_a_request_id_that_is_not_a_sane_token_is_replaced_by_a_new_one(
        self, api: AsyncTestClient[Any], logs: CapturedLines, given: str
    ) -> None:
        response = await api.get("/health", headers={"X-Request-ID": given})
        made = response.headers["x-request-id"]
        assert made != given and SANE_REQUEST_ID.fullmatch(made)
        assert access_lines(logs, request_id=made, route="/health")

    async def test_each_request_without_an_id_gets_its_own(self, api: AsyncTestClient[Any]) -> None:
        ids = {(await api.get("/health")).headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3

    async def test_a_path_no_route_serves_is_answered_with_a_request_id_too(self, api: AsyncTestClient[Any]) -> None:
        response = await api.get("/no/such/page", headers={"X-Request-ID": "lost-1"})
        assert (response.status_code, response.json()["instance"]) == (404, "lost-1")

    async def test_the_lines_of_an_authenticated_request_name_its_client_and_user(
        self, api: AsyncTestClient[Any], alice: Account, logs: CapturedLines
    ) -> None:
        response = await api.get("/v1/projects", headers={**alice.headers, "X-Request-ID": "alice-lists"})
        assert response.status_code == 200
        lines = logs.where(request_id="alice-lists")
        [access] = [line for line in lines if line["logger"] == "arco.http.access"]
        assert (access["client_id"], access["user_id"]) == (alice.client_id, alice.user_id)
        # The database's own lines inside the request carry them as well (SQL is logged at DEBUG).
        sql = [line for line in lines if line["logger"].startswith("sqlalchemy.engine")]
        assert sql and all(line.get("client_id") == alice.client_id for line in sql)

    async def test_nothing_bound_for_one_request_shows_on_the_next(
        self, api: AsyncTestClient[Any], alice: Account, logs: CapturedLines
    ) -> None:
        await api.get("/v1/projects", headers=alice.headers)
        await api.get("/health", headers={"X-Request-ID": "anonymous-after"})
        [line] = access_lines(logs, request_id="anonymous-after")
        assert "client_id" not in line and "user_id" not in line

    async def test_the_app_keeps_the_logging_configuration_the_process_started_with(self, container: Container) -> None:
        with captured_logs("info") as logs:
            async with AsyncTestClient(create_app(container)) as api:
                await api.get("/v1/projects", headers={"X-Request-ID": "configured-first"})
        assert access_lines(logs, request_id="configured-first", status=401)

    async def test_every_line_is_one_json_object(
        self, api: AsyncTestClient[Any], alice: Account, logs: CapturedLines
    ) -> None:
        await api.get("/v1/dashboard", headers=alice.headers)
        loggers = {line["logger"] for line in logs.lines()}
        assert {"arco.http.access", "sqlalchemy.engine.Engine"} <= loggers


class TestMetrics:
    async def test_metrics_are_refused_without_the_token(self, api: AsyncTestClient[Any]) -> None:
        for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
            response = await api.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert "arco_" not in response.text

    async def test_without_a_configured_token_there_are_no_metrics_to_ask_for(
        self, database_urls: dict[str, str]
    ) -> None:
        container = Container(settings=settings_for(database_urls))
        async with AsyncTestClient(create_app(container)) as api:
            response = await api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 404

    async def test_requests_are_counted_by_route_template_and_status(self, api: AsyncTestClient[Any]) -> None:
        project_id = uuid4()
        await api.get(f"/v1/projects/{project_id}")
        await api.get(f"/no/such/{project_id}")
        figures = await scrape(api)
        count = "arco_http_request_duration_seconds_count"
        assert sample(figures, count, method="GET", route="/v1/projects/{project_id}", status="401") == 1
        assert sample(figures, count, method="GET", route="unmatched", status="404") == 1
        assert not [key for key in figures if str(project_id) in str(key)]

    async def test_quota_refusals_are_counted_by_resource(self, api: AsyncTestClient[Any], alice: Account) -> None:
        assert (await api.post("/v1/projects", json={"name": "One"}, headers=alice.headers)).status_code == 201
        for _ in range(2):
            refused = await api.post("/v1/projects", json={"name": "More"}, headers=alice.headers)
            assert refused.status_code == 409
        assert sample(await scrape(api), "arco_quota_refusals_total", resource="projects") == 2

    async def test_webhook_events_are_counted_by_outcome_with_their_lag(self, api: AsyncTestClient[Any]) -> None:
        event = fixture("event") | {"id": "evt_counted", "created": int(time.time()) - 30}
        body = json.dumps(event).encode()
        signed = {"Stripe-Signature": sign_payload(body, WEBHOOK_SECRET, int(time.time()))}
        assert (await api.post("/webhooks/stripe", content=body, headers=signed)).json()["outcome"] == "ignored"
        assert (await api.post("/webhooks/stripe", content=body, headers=signed)).json()["outcome"] == "duplicate"
        assert (await api.post("/webhooks/stripe", content=body)).status_code == 400
        figures = await scrape(api)
        for outcome in ("ignored", "duplicate", "rejected"):
            assert sample(figures, "arco_webhook_events_total", provider="stripe", outcome=outcome) == 1
        assert sample(figures, "arco_webhook_lag_seconds_bucket", provider="stripe", le="15.0") == 0
        assert sample(figures, "arco_webhook_lag_seconds_bucket", provider="stripe", le="60.0") == 2

    async def test_the_outbox_backlog_and_the_pools_are_measured(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        figures = await scrape(api)
        pending = sample(figures, "arco_outbox_pending")
        assert pending is not None and pending >= 1  # the welcome e-mail; no worker runs here
        assert (sample(figures, "arco_outbox_oldest_pending_seconds") or 0) >= 0
        for pool in ("app", "agency"):
            assert sample(figures, "arco_database_pool_size", pool=pool) == 5
            assert sample(figures, "arco_database_connections_in_use", pool=pool) == 0


class TestReadiness:
    async def test_health_and_ready_answer_while_everything_is_up(self, api: AsyncTestClient[Any]) -> None:
        assert (await api.get("/health")).json() == {"status": "ok"}
        assert (await api.get("/ready")).json() == {"status": "ready"}

    async def test_ready_names_the_database_when_it_does_not_answer_and_health_stays_up(
        self, database_urls: dict[str, str]
    ) -> None:
        port = closed_port()
        container = observed_container(
            database_urls,
            database_url=f"postgresql+asyncpg://{APP_ROLE}@127.0.0.1:{port}/arco",
            agency_database_url=f"postgresql+asyncpg://{AGENCY_LOGIN}@127.0.0.1:{port}/arco",
        )
        async with AsyncTestClient(create_app(container)) as api:
            assert (await api.get("/health")).status_code == 200
            response = await api.get("/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["down"] == ["database"] and problem["type"].endswith("/not-ready")
        assert "database" in problem["detail"]

    async def test_ready_names_the_queue_once_it_stops(self, database_urls: dict[str, str], tmp_path: Path) -> None:
        queue = EmbeddedValkey(tmp_path / "valkey")
        try:
            async with AsyncTestClient(create_app(observed_container(database_urls, redis_url=queue.url))) as api:
                assert (await api.get("/ready")).status_code == 200
                queue.stop()
                response = await api.get("/ready")
        finally:
            queue.stop()
        assert response.status_code == 503
        assert response.json()["down"] == ["queue"]


class TestSecretsStayOutOfLogs:
    async def test_a_sign_up_logins_a_grant_and_a_sql_error_leave_no_secret_in_any_line(
        self, api: AsyncTestClient[Any], container: Container, staff: Staff, logs: CapturedLines
    ) -> None:
        password, wrong, grant, parameter = (f"{kind}-{secrets.token_hex(8)}" for kind in ("pw", "wrong", "grant", "p"))
        email = f"secretive-{secrets.token_hex(4)}@example.com"
        body = {"email": email, "password": password, "company_name": "Secretive"}
        assert (await api.post("/v1/auth/signup", json=body)).status_code == 201
        refused = await api.post("/v1/auth/login", json={"email": email, "password": wrong})
        assert refused.status_code == 401
        login = await api.post("/v1/auth/login", json={"email": email, "password": password})
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        me = (await api.get("/v1/me", headers=headers)).json()
        upgrade = {"tier": "basic"}
        assert (
            await api.patch(f"/v1/admin/clients/{me['client']['id']}", json=upgrade, headers=staff.headers)
        ).is_success
        connect = {"platform": "google_ads", "account_id": "123-456-7890", "grant": grant}
        assert (await api.post("/v1/ad-accounts", json=connect, headers=headers)).status_code == 201

        with api.portal() as portal:
            failure = portal.call(self.failing_statement, container, parameter)
        logging.getLogger("arco.test").error("a statement failed", exc_info=failure)

        lines = logs.text
        assert access_lines(logs, route="/v1/auth/login", status=401)  # the flow was logged...
        assert "[SQL parameters hidden due to hide_parameters=True]" in lines  # ...SQL included, at DEBUG
        assert "no_such_table" in lines
        for secret in (password, wrong, token, grant, parameter, staff.token):
            assert secret not in lines

    @staticmethod
    async def failing_statement(container: Container, parameter: str) -> DBAPIError:
        engine = await resolve(container.adapters.agency_engine)
        statement = text("SELECT * FROM no_such_table WHERE name = :name").bindparams(bindparam("name"))
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as connection:
                await connection.execute(statement, {"name": parameter})
        return raised.value


class TestSentryReports:
    async def test_an_unexpected_error_is_reported_once_without_the_request_and_a_refusal_not_at_all(
        self, container: Container
    ) -> None:
        adapters = container.adapters
        container.use_cases.create_project.override(
            providers.Factory(
                CreateProject,
                uow=FailingUnits(RuntimeError("the project store broke")),
                clock=adapters.clock,
                ids=adapters.ids,
            )
        )
        with recording_sentry() as transport:
            async with AsyncTestClient(create_app(container)) as api:
                alice = await sign_up(api, "Reported")
                body = {"name": "secret-project-name"}
                assert (await api.post("/v1/projects", json=body, headers=alice.headers)).status_code == 500
                assert (await api.get(f"/v1/projects/{uuid4()}", headers=alice.headers)).status_code == 404
        [event] = transport.events()
        assert event["exception"]["values"][-1]["type"] == "RuntimeError"
        reported = json.dumps(event)
        assert "secret-project-name" not in reported and alice.token not in reported
