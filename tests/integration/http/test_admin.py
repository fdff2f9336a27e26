"""The admin routes, over HTTP on the real app and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from arco_adapters.postgres.embedded import EmbeddedPostgres
from tests.integration.http.conftest import Account, Staff

Api = AsyncTestClient[Any]
UNKNOWN = "0190f0e0-0000-7000-8000-000000000000"


async def open_ticket(api: Api, account: Account, subject: str = "Site down", priority: str = "high") -> str:
    response = await api.post(
        "/v1/tickets", json={"subject": subject, "description": "It is down.", "priority": priority},
        headers=account.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    ticket_id: str = response.json()["id"]
    return ticket_id


async def client_view(api: Api, account: Account, ticket_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/tickets/{ticket_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    thread: dict[str, Any] = response.json()
    return thread


async def patch_client(api: Api, staff: Staff, account: Account, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.patch(f"/v1/admin/clients/{account.client_id}", json=body, headers=staff.headers)
    assert response.status_code == 200, response.text
    change: dict[str, Any] = response.json()
    return change


async def client_account(api: Api, account: Account) -> dict[str, Any]:
    me: dict[str, Any] = (await api.get("/v1/me", headers=account.headers)).json()["client"]
    return me


async def usage_of(api: Api, account: Account) -> dict[str, dict[str, Any]]:
    quotas = (await api.get("/v1/usage", headers=account.headers)).json()["quotas"]
    return {q["resource"]: q for q in quotas}


async def create_projects(api: Api, account: Account, count: int) -> None:
    for n in range(count):
        response = await api.post("/v1/projects", json={"name": f"Site {n}"}, headers=account.headers)
        assert response.status_code == 201, response.text


async def as_superuser(postgres: EmbeddedPostgres, database: str, statement: str, *args: object) -> Any:
    """The statement's first value, run as the superuser; a script of several statements takes no arguments."""
    connection = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
    try:
        return await connection.fetchval(statement, *args) if args else await connection.execute(statement)
    finally:
        await connection.close()


REFUSE_TIER_CHANGE_AUDIT = """
CREATE FUNCTION refuse_tier_change_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'serialization_failure';
END $$;
CREATE TRIGGER refuse_tier_change_audit BEFORE INSERT ON audit_events
    FOR EACH ROW WHEN (NEW.action = 'client.tier_change') EXECUTE FUNCTION refuse_tier_change_audit();
"""


@pytest.fixture
def tier_change_audit_refused(postgres: EmbeddedPostgres, database: str) -> Iterator[None]:
    """The database refuses a tier change's audit row, the last write of a plan change, as a serialization
    failure would."""
    asyncio.run(as_superuser(postgres, database, REFUSE_TIER_CHANGE_AUDIT))
    yield
    asyncio.run(as_superuser(postgres, database, "DROP FUNCTION refuse_tier_change_audit() CASCADE"))


def admin_routes(client_id: str, ticket_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/v1/admin/clients/{client_id}"
    return [
        ("GET", "/v1/admin/clients", None),
        ("GET", base, None),
        ("PATCH", base, {"tier": "enterprise"}),
        ("GET", f"{base}/tickets", None),
        ("GET", f"{base}/tickets/{ticket_id}", None),
        ("POST", f"{base}/tickets/{ticket_id}/messages", {"message": "Looking into it."}),
        ("POST", f"{base}/tickets/{ticket_id}/transitions", {"to": "in_progress"}),
    ]


class TestAdminAccess:
    async def test_every_admin_route_refuses_a_client_token_and_changes_nothing(self, api: Api, alice: Account) -> None:
        ticket_id = await open_ticket(api, alice)
        for method, path, body in admin_routes(alice.client_id, ticket_id):
            response = await api.request(method, path, json=body, headers=alice.headers)
            assert response.status_code == 403, (method, path)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("/permission-denied")
        thread = await client_view(api, alice, ticket_id)
        assert (thread["ticket"]["status"], thread["ticket"]["first_response_at"], thread["messages"]) == (
            "open",
            None,
            [],
        )
        assert (await client_account(api, alice))["tier"] == "free"

    async def test_every_admin_route_refuses_an_anonymous_caller(self, api: Api, alice: Account) -> None:
        ticket_id = await open_ticket(api, alice)
        for method, path, body in admin_routes(alice.client_id, ticket_id):
            response = await api.request(method, path, json=body)
            assert response.status_code == 401, (method, path)
            assert response.headers["content-type"].startswith("application/problem+json")
        assert (await client_account(api, alice))["tier"] == "free"
        assert (await client_view(api, alice, ticket_id))["messages"] == []


class TestListClients:
    async def test_staff_page_through_every_client_once(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            response = await api.get("/v1/admin/clients", params=params, headers=staff.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= 1
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert {alice.client_id, bob.client_id} <= set(seen)
        assert len(seen) == len(set(seen))


class TestGetClient:
    async def test_staff_see_a_clients_account_and_usage(self, api: Api, alice: Account, staff: Staff) -> None:
        await create_projects(api, alice, 1)
        response = await api.get(f"/v1/admin/clients/{alice.client_id}", headers=staff.headers)
        assert response.status_code == 200, response.text
        detail = response.json()
        assert (detail["client"]["id"], detail["client"]["name"], detail["client"]["tier"]) == (
            alice.client_id,
            "Alpha",
            "free",
        )
        usage = {q["resource"]: (q["used"], q["limit"]) for q in detail["usage"]}
        assert usage["projects"] == (1, 1)
        assert usage["team_members"] == (1, 1)
        assert set(usage) == {"projects", "domains", "team_members", "storage_bytes", "support_tickets"}

    async def test_an_unknown_client_is_not_found(self, api: Api, staff: Staff) -> None:
        response = await api.get(f"/v1/admin/clients/{UNKNOWN}", headers=staff.headers)
        assert response.status_code == 404
        assert UNKNOWN not in response.text


class TestUpdateClient:
    async def test_an_upgrade_applies_at_once(self, api: Api, alice: Account, staff: Staff) -> None:
        change = await patch_client(api, staff, alice, {"tier": "pro"})
        assert (change["client"]["tier"], change["over_limit"]) == ("pro", [])
        assert (await client_account(api, alice))["tier"] == "pro"
        await create_projects(api, alice, 10)

    async def test_a_downgrade_reports_what_is_over_limit_and_deletes_nothing(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        await patch_client(api, staff, alice, {"tier": "basic"})
        await create_projects(api, alice, 3)
        for email in ("carol@example.com", "dave@example.com"):
            invited = await api.post("/v1/members", json={"email": email}, headers=alice.headers)
            assert invited.status_code == 201, invited.text

        change = await patch_client(api, staff, alice, {"tier": "free"})

        assert change["client"]["tier"] == "free"
        over = {q["resource"]: (q["used"], q["limit"], q["over_limit"]) for q in change["over_limit"]}
        assert over == {"projects": (3, 1, True), "team_members": (3, 1, True)}
        projects = (await api.get("/v1/projects", headers=alice.headers)).json()["items"]
        assert len(projects) == 3
        assert len((await api.get("/v1/members", headers=alice.headers)).json()["items"]) == 3
        assert (await usage_of(api, alice))["projects"]["over_limit"] is True
        refused = await api.post("/v1/projects", json={"name": "One more"}, headers=alice.headers)
        assert refused.status_code == 409
        assert (refused.json()["resource"], refused.json()["used"], refused.json()["limit"]) == ("projects", 3, 1)

    async def test_lowering_a_contract_limit_reports_the_overage(self, api: Api, alice: Account, staff: Staff) -> None:
        await create_projects(api, alice, 1)
        change = await patch_client(api, staff, alice, {"custom_limits": {"projects": 0}})
        assert (change["client"]["tier"], change["client"]["custom_limits"]) == ("free", {"projects": 0})
        assert [(q["resource"], q["used"], q["limit"]) for q in change["over_limit"]] == [("projects", 1, 0)]
        assert len((await api.get("/v1/projects", headers=alice.headers)).json()["items"]) == 1

    async def test_a_null_contract_limit_means_unlimited_and_an_empty_contract_restores_the_tier(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        change = await patch_client(api, staff, alice, {"custom_limits": {"projects": None}})
        assert change["client"]["custom_limits"] == {"projects": None}
        await create_projects(api, alice, 3)
        restored = await patch_client(api, staff, alice, {"custom_limits": {}})
        assert restored["client"]["custom_limits"] == {}
        assert [(q["resource"], q["used"], q["limit"]) for q in restored["over_limit"]] == [("projects", 3, 1)]

    async def test_a_tier_and_a_contract_change_together(self, api: Api, alice: Account, staff: Staff) -> None:
        change = await patch_client(api, staff, alice, {"tier": "basic", "custom_limits": {"team_members": 5}})
        assert (change["client"]["tier"], change["client"]["custom_limits"]) == ("basic", {"team_members": 5})
        usage = await usage_of(api, alice)
        assert (usage["team_members"]["limit"], usage["projects"]["limit"]) == (5, 3)

    async def test_a_change_that_fails_part_way_stores_none_of_it(
        self, api: Api, alice: Account, staff: Staff, postgres: EmbeddedPostgres, database: str,
        tier_change_audit_refused: None,
    ) -> None:  # fmt: skip
        body = {"tier": "pro", "custom_limits": {"projects": 50}}
        response = await api.patch(f"/v1/admin/clients/{alice.client_id}", json=body, headers=staff.headers)
        assert response.status_code == 503, response.text
        detail = (await api.get(f"/v1/admin/clients/{alice.client_id}", headers=staff.headers)).json()
        assert (detail["client"]["tier"], detail["client"]["custom_limits"]) == ("free", {})
        assert {q["resource"]: q["limit"] for q in detail["usage"]}["projects"] == 1
        audit_rows = await as_superuser(
            postgres, database, "SELECT count(*) FROM audit_events WHERE client_id = $1", UUID(alice.client_id)
        )
        assert audit_rows == 0

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"tier": "platinum"},
            {"custom_limits": {"projects": -1}},
            {"custom_limits": {"seats": 3}},
            {"tier": "pro", "client_id": UNKNOWN},
            {"tier": "pro", "user_type": "admin"},
            {"tier": "pro", "role": "owner"},
            {"tier": "pro", "name": "Renamed"},
        ],
    )
    async def test_a_body_that_is_not_a_plan_change_is_refused_and_changes_nothing(
        self, api: Api, alice: Account, staff: Staff, body: dict[str, Any]
    ) -> None:
        before = await client_account(api, alice)
        response = await api.patch(f"/v1/admin/clients/{alice.client_id}", json=body, headers=staff.headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert await client_account(api, alice) == before

    async def test_an_unknown_client_is_not_found(self, api: Api, staff: Staff) -> None:
        response = await api.patch(f"/v1/admin/clients/{UNKNOWN}", json={"tier": "pro"}, headers=staff.headers)
        assert response.status_code == 404


class TestStaffTicketsOfAnUnknownClient:
    async def test_listing_them_is_not_found_rather_than_empty(self, api: Api, staff: Staff) -> None:
        response = await api.get(f"/v1/admin/clients/{UNKNOWN}/tickets", headers=staff.headers)
        assert response.status_code == 404


class TestStaffTickets:
    async def test_staff_list_a_clients_tickets_by_status_and_priority(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        urgent = await open_ticket(api, alice, "Site down", "urgent")
        low = await open_ticket(api, alice, "Typo", "low")
        await open_ticket(api, bob, "Bob's", "urgent")
        base = f"/v1/admin/clients/{alice.client_id}/tickets"

        async def ids(**params: str) -> list[str]:
            response = await api.get(base, params=params, headers=staff.headers)
            assert response.status_code == 200, response.text
            return [t["id"] for t in response.json()["items"]]

        assert await ids() == [low, urgent]
        assert await ids(priority="urgent") == [urgent]
        assert await ids(status="open", priority="low") == [low]
        assert await ids(status="resolved") == []

    async def test_a_filter_value_outside_the_vocabulary_is_refused(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        response = await api.get(
            f"/v1/admin/clients/{alice.client_id}/tickets", params={"status": "lost"}, headers=staff.headers
        )
        assert response.status_code == 400

    async def test_a_staff_reply_is_the_first_response_and_an_internal_note_stays_internal(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        ticket_id = await open_ticket(api, alice)
        base = f"/v1/admin/clients/{alice.client_id}/tickets/{ticket_id}"

        note = await api.post(
            f"{base}/messages", json={"message": "Customer is on the old plan.", "internal": True},
            headers=staff.headers,
        )  # fmt: skip
        assert note.status_code == 201, note.text
        assert (note.json()["internal"], note.json()["from_staff"]) == (True, True)
        seen = await client_view(api, alice, ticket_id)
        assert (seen["ticket"]["first_response_at"], seen["messages"]) == (None, [])

        reply = await api.post(
            f"{base}/messages", json={"message": "Looking into it.", "attachments": ["https://cdn.example.com/a.png"]},
            headers=staff.headers,
        )  # fmt: skip
        assert reply.status_code == 201, reply.text

        seen = await client_view(api, alice, ticket_id)
        assert seen["ticket"]["first_response_at"] == reply.json()["created_at"]
        assert [(m["message"], m["from_staff"], m["attachments"]) for m in seen["messages"]] == [
            ("Looking into it.", True, ["https://cdn.example.com/a.png"])
        ]
        staff_view = (await api.get(base, headers=staff.headers)).json()
        assert [m["internal"] for m in staff_view["messages"]] == [True, False]

    async def test_staff_move_a_ticket_one_legal_step_at_a_time(self, api: Api, alice: Account, staff: Staff) -> None:
        ticket_id = await open_ticket(api, alice)
        base = f"/v1/admin/clients/{alice.client_id}/tickets/{ticket_id}/transitions"
        moved = await api.post(base, json={"to": "in_progress"}, headers=staff.headers)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == "in_progress"
        skipped = await api.post(base, json={"to": "closed"}, headers=staff.headers)
        assert skipped.status_code == 409
        assert (skipped.json()["type"].rsplit("/", 1)[1], skipped.json()["from"], skipped.json()["to"]) == (
            "invalid-transition",
            "in_progress",
            "closed",
        )
        assert (await client_view(api, alice, ticket_id))["ticket"]["status"] == "in_progress"

    async def test_a_ticket_is_only_found_under_its_own_client(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        ticket_id = await open_ticket(api, alice)
        wrong = f"/v1/admin/clients/{bob.client_id}/tickets/{ticket_id}"
        assert (await api.get(wrong, headers=staff.headers)).status_code == 404
        posted = await api.post(f"{wrong}/messages", json={"message": "Hello"}, headers=staff.headers)
        assert posted.status_code == 404
        moved = await api.post(f"{wrong}/transitions", json={"to": "in_progress"}, headers=staff.headers)
        assert moved.status_code == 404
        thread = await client_view(api, alice, ticket_id)
        assert (thread["ticket"]["status"], thread["messages"]) == ("open", [])

    @pytest.mark.parametrize("field", ["client_id", "role", "user_type", "tier"])
    async def test_a_reply_or_move_naming_a_field_it_may_not_set_is_refused(
        self, api: Api, alice: Account, bob: Account, staff: Staff, field: str
    ) -> None:
        ticket_id = await open_ticket(api, alice)
        base = f"/v1/admin/clients/{alice.client_id}/tickets/{ticket_id}"
        extra = {field: bob.client_id}
        posted = await api.post(f"{base}/messages", json={"message": "Hi", **extra}, headers=staff.headers)
        moved = await api.post(f"{base}/transitions", json={"to": "in_progress", **extra}, headers=staff.headers)
        assert (posted.status_code, moved.status_code) == (400, 400)
        thread = await client_view(api, alice, ticket_id)
        assert (thread["ticket"]["status"], thread["ticket"]["first_response_at"], thread["messages"]) == (
            "open",
            None,
            [],
        )
