"""The HTTP edge fails closed: OPTIONS requests, deeply nested JSON, what a server error shows, the headers on
every response, cross-origin access and the docs page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.exceptions import InternalServerException
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from arco_domain.errors import ArcoError
from arco_domain.use_cases.projects import ListProjects
from arco_entrypoints.container import Container
from arco_entrypoints.http.api_docs import SCALAR_INTEGRITY, SCALAR_URL
from arco_entrypoints.http.app import create_app
from arco_entrypoints.http.response_headers import STRICT_TRANSPORT
from tests.integration.http.conftest import Account, FailingUnits, Staff, sign_up
from tests.settings_examples import PRODUCTION

PROBLEM_JSON = "application/problem+json"
DASHBOARD = "https://dashboard.example.com"
PRODUCTION_HERE = {field: value for field, value in PRODUCTION.items() if field != "scope_key"}
"""Production on the test's database, whose scope key is the one installed there."""


def concrete_paths(app: Litestar, prefix: str = "/") -> list[str]:
    """Every route path of the app under `prefix`, its parameters filled with made-up values."""
    paths = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith(prefix) and not route.path.startswith("/schema"):
            path = re.sub(r"\{\w+:uuid\}", lambda _: str(uuid4()), route.path)
            paths.add(re.sub(r"\{\w+:\w+\}", "x", path))
    return sorted(paths)


@pytest.fixture
def build_client(container: Container) -> Callable[..., AsyncTestClient[Any]]:
    """A test client of an app whose settings are the test's own with `changes`."""

    def build(**changes: Any) -> AsyncTestClient[Any]:
        container.settings.override(providers.Object(container.settings().replace(**changes)))
        return AsyncTestClient(create_app(container))

    return build


@pytest.fixture
async def production_like(build_client: Callable[..., AsyncTestClient[Any]]) -> AsyncIterator[AsyncTestClient[Any]]:
    async with build_client(**PRODUCTION_HERE, cors_origins=(DASHBOARD,)) as client:
        yield client


class TestOptionsRequests:
    async def test_every_route_refuses_an_anonymous_options_request_with_problem_details(
        self, api: AsyncTestClient[Any]
    ) -> None:
        paths = concrete_paths(api.app)
        assert any(path.startswith("/v1/admin/") for path in paths)
        for path in paths:
            response = await api.options(path)
            assert response.status_code == 401, (path, response.text)
            assert response.headers["content-type"].startswith(PROBLEM_JSON), path

    async def test_admin_routes_answer_options_to_staff_only(
        self, api: AsyncTestClient[Any], alice: Account, staff: Staff
    ) -> None:
        for path in concrete_paths(api.app, "/v1/admin/"):
            refused = await api.options(path, headers=alice.headers)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.headers["content-type"].startswith(PROBLEM_JSON), path
            allowed = await api.options(path, headers=staff.headers)
            assert allowed.status_code == 204, (path, allowed.text)
            assert "OPTIONS" in allowed.headers["allow"], path


class TestDeeplyNestedJson:
    @pytest.mark.parametrize(
        "body",
        ["[" * 100_000, "[" * 5_000 + "]" * 5_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
        ids=["unclosed-arrays", "closed-arrays", "objects"],
    )
    async def test_a_body_nested_past_the_decoder_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, body: str
    ) -> None:
        json_body = {"content-type": "application/json"}
        for response in (
            await api.post("/v1/auth/signup", content=body, headers=json_body),
            await api.post("/v1/projects", content=body, headers={**json_body, **alice.headers}),
        ):
            assert response.status_code == 400, response.text
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert response.json()["detail"] == "the JSON body is nested too deeply"

    async def test_a_nested_body_the_decoder_reads_is_refused_by_the_schema(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        nested = {"name": "Site", "description": [[[[[[[[["deep"]]]]]]]]]}
        response = await api.post("/v1/projects", json=nested, headers=alice.headers)
        assert response.status_code == 400, response.text


class UnexpectedFailure(ArcoError):
    """A domain error the edge has no mapping for."""


def failing_list_projects(failure: Exception) -> ListProjects:
    """A `ListProjects` that fails with `failure` before touching anything."""
    return ListProjects(uow=FailingUnits(failure))


class TestServerErrors:
    @pytest.mark.parametrize(
        "failure",
        [
            InternalServerException(detail="connection to db.internal:5432 failed, password=hunter2"),
            UnexpectedFailure("row 42 of arco.secret_table is corrupt: hunter2"),
            RuntimeError("hunter2"),
        ],
        ids=["framework-5xx", "unmapped-domain-error", "crash"],
    )
    async def test_a_server_error_body_says_nothing_of_the_exception(
        self, container: Container, failure: Exception
    ) -> None:
        with container.use_cases.list_projects.override(providers.Object(failing_list_projects(failure))):
            async with AsyncTestClient(create_app(container)) as api:
                caller = await sign_up(api)
                response = await api.get("/v1/projects", headers=caller.headers)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        problem = response.json()
        assert problem["type"].endswith("/internal-error")
        assert problem["detail"] == "the request could not be completed"
        assert "hunter2" not in response.text and "5432" not in response.text


class TestResponseHeaders:
    async def test_every_response_forbids_sniffing_and_storing(self, api: AsyncTestClient[Any], alice: Account) -> None:
        responses = [
            await api.get("/health"),
            await api.get("/v1/me"),  # 401
            await api.get("/nowhere"),  # the router's 404
            await api.get("/v1/me", headers=alice.headers),
            await api.post("/v1/auth/login", json={"email": "nobody@example.com", "password": "not the password"}),
            await api.post("/v1/auth/signup", json={"email": "new@example.com", "password": "correct horse battery"}),
            await api.get("/schema/openapi.json"),
        ]
        for response in responses:
            assert response.headers["x-content-type-options"] == "nosniff", response.url
            assert response.headers["cache-control"] == "no-store", response.url
            assert "strict-transport-security" not in response.headers, response.url

    async def test_production_adds_strict_transport_security(self, production_like: AsyncTestClient[Any]) -> None:
        for response in (await production_like.get("/health"), await production_like.get("/v1/me")):
            assert response.headers["strict-transport-security"] == STRICT_TRANSPORT


class TestCrossOrigin:
    async def test_an_allowed_origin_passes_its_preflight_and_reads_the_answer(
        self, production_like: AsyncTestClient[Any]
    ) -> None:
        preflight = await production_like.options(
            "/v1/projects",
            headers={
                "Origin": DASHBOARD,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 204, preflight.text
        assert preflight.headers["access-control-allow-origin"] == DASHBOARD
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers
        caller = await sign_up(production_like)
        answer = await production_like.get("/v1/projects", headers={"Origin": DASHBOARD, **caller.headers})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == DASHBOARD
        assert "Retry-After" in answer.headers["access-control-expose-headers"]

    async def test_another_origin_is_refused_its_preflight_and_the_answer(
        self, production_like: AsyncTestClient[Any]
    ) -> None:
        elsewhere = "https://dashboard.example.com.evil.example"
        preflight = await production_like.options(
            "/v1/projects", headers={"Origin": elsewhere, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
        assert preflight.headers["x-content-type-options"] == "nosniff"
        caller = await sign_up(production_like)
        answer = await production_like.get("/v1/projects", headers={"Origin": elsewhere, **caller.headers})
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers

    async def test_without_configured_origins_no_origin_is_allowed(self, api: AsyncTestClient[Any]) -> None:
        preflight = await api.options(
            "/v1/projects", headers={"Origin": DASHBOARD, "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 401
        assert "access-control-allow-origin" not in preflight.headers


class TestDocs:
    async def test_without_the_docs_page_only_the_document_is_served(
        self, build_client: Callable[..., AsyncTestClient[Any]]
    ) -> None:
        async with build_client(**PRODUCTION_HERE) as api:
            document = await api.get("/schema/openapi.json")
            root = await api.get("/schema")
            scalar = await api.get("/schema/scalar")
        assert document.status_code == 200 and document.json()["info"]["title"] == "ARCO"
        assert "<script" not in root.text
        assert scalar.status_code == 404

    async def test_the_docs_page_loads_a_pinned_scalar_checked_by_its_hash(
        self, build_client: Callable[..., AsyncTestClient[Any]]
    ) -> None:
        async with build_client(**PRODUCTION_HERE, docs="on") as client:
            page = await client.get("/schema")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'<script src="{SCALAR_URL}" integrity="{SCALAR_INTEGRITY}" crossorigin="anonymous">' in page.text
        assert "@latest" not in page.text
        # Nothing else comes from outside: no style sheet, favicon or font from a CDN.
        assert re.findall(r"https?://[^\"' ]+", page.text) == [SCALAR_URL]
