"""Property-based requests from the OpenAPI document (schemathesis): no input yields a 500, and every
documented response matches its schema. Bounded: a fixed number of examples per operation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from arco_domain.model.throttling import RateLimits
from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import Staff, free_port, running_server, settings_for

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def server_url(database_urls: dict[str, str]) -> Iterator[str]:
    runtime = Runtime(settings_for(database_urls, rate_limits=RateLimits()))
    with running_server(runtime, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def bearer(server_url: str) -> dict[str, str]:
    credentials = {"email": "fuzz@example.com", "password": "fuzzing password"}
    signed_up = httpx.post(f"{server_url}/v1/auth/signup", json=credentials)
    assert signed_up.status_code == 201, signed_up.text
    logged_in = httpx.post(f"{server_url}/v1/auth/login", json=credentials)
    assert logged_in.status_code == 200, logged_in.text
    return {"Authorization": f"Bearer {logged_in.json()['access_token']}"}


def operations(server_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server_url}/schema/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_every_area(server_url: str) -> None:
    paths = {operation.path for operation in operations(server_url)}
    assert {"/v1/projects", "/v1/tickets", "/v1/me", "/v1/usage", "/v1/auth/login"} <= paths


@pytest.mark.parametrize("caller", ["client", "staff"])
def test_no_request_breaks_the_api_or_its_schema(
    server_url: str, bearer: dict[str, str], staff: Staff, caller: str
) -> None:
    # Every operation as a client and as staff: admin routes are reached by their callers, and refused to others.
    headers = bearer if caller == "client" else staff.headers
    # One hypothesis run per operation, inside one test: schemathesis' lazy pytest loader does not
    # support the pytest release this project uses.
    statuses: Counter[int] = Counter()
    for operation in operations(server_url):

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def no_failure(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
            statuses[response.status_code] += 1

        no_failure()
    # The run reached the handlers (successes) and their refusals, not only the request parser.
    assert any(200 <= status < 300 for status in statuses), statuses
    assert any(status in (403, 404, 409, 422) for status in statuses), statuses


def test_the_server_does_not_name_itself(server_url: str) -> None:
    response = httpx.get(f"{server_url}/health")
    assert response.status_code == 200
    assert "server" not in response.headers
