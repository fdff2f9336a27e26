"""Safe retries: `POST` with an `Idempotency-Key` runs once per caller and key, and retries replay it."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres.idempotency import PostgresIdempotencyStore
from arco_adapters.postgres.tables import idempotency_keys
from arco_adapters.system import SystemClock
from arco_domain.use_cases.tickets import CreateTicket
from arco_entrypoints.container import Container
from arco_entrypoints.http.idempotency import fingerprint
from arco_ports.idempotency import Claimed
from tests.integration.http.conftest import Account, FailingUnits

TICKET = {"subject": "Site is down", "description": "The home page answers 502 since this morning."}
PROBLEMS = "https://arco.dev/problems/"


def keyed(account: Account, key: str | bytes) -> dict[str, Any]:
    return {**account.headers, "Idempotency-Key": key}


async def tickets_used(api: AsyncTestClient[Any], account: Account) -> int:
    usage = (await api.get("/v1/usage", headers=account.headers)).json()
    used: int = next(q["used"] for q in usage["quotas"] if q["resource"] == "support_tickets")
    return used


async def ticket_ids(api: AsyncTestClient[Any], account: Account) -> list[str]:
    listed = await api.get("/v1/tickets", headers=account.headers)
    assert listed.status_code == 200, listed.text
    return [t["id"] for t in listed.json()["items"]]


class TestIdempotentCreates:
    async def test_a_retried_ticket_create_opens_one_ticket_and_replays_the_first_answer(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        first = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "retry-1"))
        retry = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "retry-1"))
        assert first.status_code == retry.status_code == 201, first.text
        assert retry.content == first.content
        assert retry.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert retry.headers["content-type"] == first.headers["content-type"]
        assert await ticket_ids(api, alice) == [first.json()["id"]]
        assert await tickets_used(api, alice) == 1

    async def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        first = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "reuse-1"))
        assert first.status_code == 201, first.text
        other = await api.post(
            "/v1/tickets", json={**TICKET, "subject": "Another problem"}, headers=keyed(alice, "reuse-1")
        )
        assert other.status_code == 422, other.text
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["type"] == PROBLEMS + "idempotency-key-reused"
        assert await ticket_ids(api, alice) == [first.json()["id"]]
        assert await tickets_used(api, alice) == 1

    async def test_the_same_key_on_another_path_is_refused(self, api: AsyncTestClient[Any], alice: Account) -> None:
        assert (await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "path-1"))).status_code == 201
        project = await api.post("/v1/projects", json={"name": "Site"}, headers=keyed(alice, "path-1"))
        assert project.status_code == 422, project.text
        assert (await api.get("/v1/projects", headers=alice.headers)).json()["items"] == []

    async def test_another_client_using_the_same_key_gets_a_fresh_result_of_its_own(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        alices = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "shared-key"))
        bobs = await api.post("/v1/tickets", json=TICKET, headers=keyed(bob, "shared-key"))
        assert alices.status_code == bobs.status_code == 201, bobs.text
        assert "idempotent-replayed" not in bobs.headers
        assert bobs.json()["id"] != alices.json()["id"]
        assert await ticket_ids(api, bob) == [bobs.json()["id"]]
        assert await ticket_ids(api, alice) == [alices.json()["id"]]

    async def test_requests_without_a_key_run_every_time(self, api: AsyncTestClient[Any], alice: Account) -> None:
        for _ in range(2):
            assert (await api.post("/v1/tickets", json=TICKET, headers=alice.headers)).status_code == 201
        assert len(await ticket_ids(api, alice)) == 2
        assert await tickets_used(api, alice) == 2

    @pytest.mark.parametrize(
        "key",
        [b"", b"k" * 256, "cl\u00e9".encode(), b"tab\there", b"bell\x07"],
        ids=["empty", "too long", "not ascii", "tab", "control character"],
    )
    async def test_a_malformed_key_is_refused_with_problem_details_and_creates_nothing(
        self, api: AsyncTestClient[Any], alice: Account, key: bytes
    ) -> None:
        response = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, key))
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 400
        assert await ticket_ids(api, alice) == []

    async def test_a_key_of_255_printable_characters_is_accepted(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        key = ("a-Z 0~!" * 40)[:255]
        first = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, key))
        retry = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, key))
        assert first.status_code == 201, first.text
        assert retry.headers["idempotent-replayed"] == "true"

    async def test_a_quota_refusal_is_replayed_as_the_same_409_even_once_the_quota_frees_up(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        site = await api.post("/v1/projects", json={"name": "Site"}, headers=alice.headers)
        assert site.status_code == 201, site.text
        refused = await api.post("/v1/projects", json={"name": "Shop"}, headers=keyed(alice, "shop-1"))
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == PROBLEMS + "quota-exceeded"
        deleted = await api.delete(f"/v1/projects/{site.json()['id']}", headers=alice.headers)
        assert deleted.status_code == 204, deleted.text
        replayed = await api.post("/v1/projects", json={"name": "Shop"}, headers=keyed(alice, "shop-1"))
        assert replayed.status_code == 409
        assert replayed.content == refused.content
        assert replayed.headers["idempotent-replayed"] == "true"
        fresh = await api.post("/v1/projects", json={"name": "Shop"}, headers=keyed(alice, "shop-2"))
        assert fresh.status_code == 201, fresh.text

    async def test_a_retry_while_the_first_request_is_in_flight_is_refused_with_409(
        self, api: AsyncTestClient[Any], alice: Account, agency_engine: AsyncEngine
    ) -> None:
        # The test client serves requests on its own thread and event loop: the test claims the key through
        # an engine of its own rather than the app's pooled connections.
        body = json.dumps(TICKET).encode()
        store = PostgresIdempotencyStore(agency_engine, SystemClock())
        in_flight = await store.claim(UUID(alice.client_id), "busy-1", fingerprint("POST", b"/v1/tickets", body))
        assert in_flight == Claimed()
        headers = {**keyed(alice, "busy-1"), "Content-Type": "application/json"}
        retry = await api.post("/v1/tickets", content=body, headers=headers)
        assert retry.status_code == 409, retry.text
        assert retry.json()["type"] == PROBLEMS + "idempotency-key-in-flight"
        assert await ticket_ids(api, alice) == []

    async def test_a_server_error_releases_the_key_so_that_the_retry_runs_again(
        self, api: AsyncTestClient[Any], alice: Account, container: Container
    ) -> None:
        adapters = container.adapters
        crash = RuntimeError("a bug before anything was written")
        fails_once = providers.Singleton(FailingUnits, crash, units=adapters.uow, times=1)
        container.use_cases.create_ticket.override(
            providers.Factory(CreateTicket, uow=fails_once, clock=adapters.clock, ids=adapters.ids)
        )
        try:
            crashed = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "flaky-1"))
            retry = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "flaky-1"))
        finally:
            container.use_cases.create_ticket.reset_override()
        assert crashed.status_code == 500
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers
        assert await ticket_ids(api, alice) == [retry.json()["id"]]

    async def test_anonymous_routes_ignore_the_header(self, api: AsyncTestClient[Any]) -> None:
        email = f"{uuid4().hex}@example.com"
        body = {"email": email, "password": "correct horse battery"}
        headers = {"Idempotency-Key": "signup-1"}
        assert (await api.post("/v1/auth/signup", json=body, headers=headers)).status_code == 201
        again = await api.post("/v1/auth/signup", json=body, headers=headers)
        assert again.status_code == 201
        assert "idempotent-replayed" not in again.headers


async def keys_held(engine: AsyncEngine, account: Account) -> int:
    owner = UUID(account.client_id)
    async with engine.connect() as connection:
        held = await connection.scalar(select(func.count()).where(idempotency_keys.c.owner_id == owner))
    return int(held or 0)


class TestRefusedRequestsKeepNothing:
    """As Stripe does: a request refused before it ran leaves its key unused, so the corrected request may
    take it; what ran (a success, a quota refusal) is kept and replayed."""

    async def test_twenty_invalid_posts_with_new_keys_leave_no_key_behind(
        self, api: AsyncTestClient[Any], alice: Account, agency_engine: AsyncEngine
    ) -> None:
        refusals = {
            400: ("/v1/tickets", {"subject": "No description"}),
            422: ("/v1/projects", {"name": "Site", "budget_total": "12.345"}),
            403: (f"/v1/admin/clients/{alice.client_id}/tickets/{uuid4()}/messages", {"message": "Hello"}),
        }
        for number in range(20):
            status = (400, 422, 403)[number % 3]
            path, body = refusals[status]
            refused = await api.post(path, json=body, headers=keyed(alice, f"invalid-{number}"))
            assert refused.status_code == status, refused.text
        assert await keys_held(agency_engine, alice) == 0

    async def test_a_corrected_request_may_take_the_key_of_one_refused_as_invalid(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        invalid = await api.post("/v1/tickets", json={"subject": "Down"}, headers=keyed(alice, "fix-1"))
        assert invalid.status_code == 400, invalid.text
        corrected = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "fix-1"))
        assert corrected.status_code == 201, corrected.text
        retry = await api.post("/v1/tickets", json=TICKET, headers=keyed(alice, "fix-1"))
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.content == corrected.content
        assert await ticket_ids(api, alice) == [corrected.json()["id"]]


class TestIdempotencyDocumentation:
    async def test_the_openapi_schema_documents_the_header_on_authenticated_posts_only(
        self, api: AsyncTestClient[Any]
    ) -> None:
        paths = (await api.get("/schema/openapi.json")).json()["paths"]

        def headers(path: str, method: str) -> list[str]:
            parameters = paths[path][method].get("parameters", [])
            return [p["name"] for p in parameters if p["in"] == "header"]

        assert headers("/v1/tickets", "post") == ["Idempotency-Key"]
        assert headers("/v1/projects", "post") == ["Idempotency-Key"]
        assert "Idempotency-Key" not in headers("/v1/tickets", "get")
        assert "Idempotency-Key" not in headers("/v1/auth/signup", "post")
