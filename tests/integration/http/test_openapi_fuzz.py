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

from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import JWT_SECRET, SECRETS_KEY, free_port, running_server

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def server_url(database_urls: dict[str, str]) -> Iterator[str]:
    runtime = Runtime(**database_urls, jwt_secret=JWT_SECRET, embedded=None, secrets_keys=(SECRETS_KEY,))
    with running_server(runtime, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def bearer(server_url: str) -> dict[str, str]:
    signed_up = httpx.post(
        f"{server_url}/v1/auth/signup", json={"email": "fuzz@example.com", "password": "fuzzing password"}
    )
    assert signed_up.status_code == 201, signed_up.text
    return {"Authorization": f"Bearer {signed_up.json()['access_token']}"}


def operations(server_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server_url}/schema/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_every_area(server_url: str) -> None:
    paths = {operation.path for operation in operations(server_url)}
    assert {"/v1/projects", "/v1/tickets", "/v1/me", "/v1/usage", "/v1/auth/login"} <= paths


def test_no_request_breaks_the_api_or_its_schema(server_url: str, bearer: dict[str, str]) -> None:
    # One hypothesis run per operation, inside one test: schemathesis' lazy pytest loader does not
    # support the pytest release this project uses.
    statuses: Counter[int] = Counter()
    for operation in operations(server_url):

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def no_failure(case: Any) -> None:
            response = case.call_and_validate(headers=bearer, checks=[not_a_server_error, response_schema_conformance])
            statuses[response.status_code] += 1

        no_failure()
    # The run reached the handlers (successes) and their refusals, not only the request parser.
    assert any(200 <= status < 300 for status in statuses), statuses
    assert any(status in (404, 409, 422) for status in statuses), statuses
