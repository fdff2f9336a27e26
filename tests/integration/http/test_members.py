"""The team routes, over HTTP on the real app and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account, Staff

Api = AsyncTestClient[Any]


async def set_tier(api: Api, staff: Staff, account: Account, tier: str) -> None:
    response = await api.patch(f"/v1/admin/clients/{account.client_id}", json={"tier": tier}, headers=staff.headers)
    assert response.status_code == 200, response.text


async def team(api: Api, account: Account) -> list[dict[str, Any]]:
    response = await api.get("/v1/members", headers=account.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def seats_used(api: Api, account: Account) -> int:
    quotas = (await api.get("/v1/usage", headers=account.headers)).json()["quotas"]
    used: int = next(q["used"] for q in quotas if q["resource"] == "team_members")
    return used


async def invite(api: Api, account: Account, email: str) -> dict[str, Any]:
    response = await api.post("/v1/members", json={"email": email}, headers=account.headers)
    assert response.status_code == 201, response.text
    member: dict[str, Any] = response.json()
    return member


class TestListMembers:
    async def test_a_new_clients_team_is_its_owner_alone(self, api: Api, alice: Account) -> None:
        members = await team(api, alice)
        assert [(m["role"], m["status"], m["user_id"]) for m in members] == [("owner", "active", alice.user_id)]

    async def test_the_team_is_paged_oldest_first_with_a_cursor(self, api: Api, alice: Account, staff: Staff) -> None:
        await set_tier(api, staff, alice, "basic")
        carol = await invite(api, alice, "carol@example.com")
        dave = await invite(api, alice, "dave@example.com")

        first = (await api.get("/v1/members", params={"limit": 2}, headers=alice.headers)).json()
        assert [m["role"] for m in first["items"]] == ["owner", "member"]
        assert first["next_cursor"] is not None
        second = (
            await api.get("/v1/members", params={"limit": 2, "cursor": first["next_cursor"]}, headers=alice.headers)
        ).json()
        assert second["next_cursor"] is None
        ids = [m["id"] for m in first["items"] + second["items"]]
        assert ids[1:] == [carol["id"], dave["id"]]

    async def test_a_page_size_out_of_range_is_refused(self, api: Api, alice: Account) -> None:
        response = await api.get("/v1/members", params={"limit": 0}, headers=alice.headers)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_a_cursor_the_api_did_not_issue_is_refused(self, api: Api, alice: Account) -> None:
        response = await api.get("/v1/members", params={"cursor": "not-a-cursor"}, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["field"] == "cursor"

    async def test_an_anonymous_caller_is_refused(self, api: Api) -> None:
        assert (await api.get("/v1/members")).status_code == 401

    async def test_a_staff_user_without_a_client_has_no_team_here(self, api: Api, staff: Staff) -> None:
        assert (await api.get("/v1/members", headers=staff.headers)).status_code == 403


class TestInviteMember:
    async def test_an_invitation_holds_a_seat_until_accepted(self, api: Api, alice: Account, staff: Staff) -> None:
        await set_tier(api, staff, alice, "basic")
        response = await api.post(
            "/v1/members", json={"email": "  Carol@Example.COM ", "full_name": "Carol"}, headers=alice.headers
        )
        assert response.status_code == 201, response.text
        carol = response.json()
        assert (carol["email"], carol["full_name"], carol["role"], carol["status"], carol["user_id"]) == (
            "carol@example.com",
            "Carol",
            "member",
            "invited",
            None,
        )
        assert [m["id"] for m in await team(api, alice)][1:] == [carol["id"]]
        assert await seats_used(api, alice) == 2

    async def test_a_full_team_is_refused_with_the_quota_facts_and_nothing_written(
        self, api: Api, alice: Account
    ) -> None:
        before = await team(api, alice)
        response = await api.post("/v1/members", json={"email": "carol@example.com"}, headers=alice.headers)
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"].endswith("/quota-exceeded")
        assert (problem["resource"], problem["limit"], problem["used"], problem["requested"]) == (
            "team_members",
            1,
            1,
            1,
        )
        assert await team(api, alice) == before
        assert await seats_used(api, alice) == 1

    async def test_the_last_seat_of_a_larger_tier_is_the_last_invitation(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        await invite(api, alice, "carol@example.com")
        await invite(api, alice, "dave@example.com")
        response = await api.post("/v1/members", json={"email": "erin@example.com"}, headers=alice.headers)
        assert response.status_code == 409
        assert (response.json()["limit"], response.json()["used"]) == (3, 3)
        assert "erin@example.com" not in {m["email"] for m in await team(api, alice)}

    async def test_inviting_someone_already_on_the_team_is_a_conflict_that_takes_no_seat(
        self, api: Api, alice: Account, staff: Staff
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        await invite(api, alice, "carol@example.com")
        response = await api.post("/v1/members", json={"email": "CAROL@example.com"}, headers=alice.headers)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/conflict")
        assert len(await team(api, alice)) == 2
        assert await seats_used(api, alice) == 2

    async def test_an_address_that_is_not_an_email_is_refused(self, api: Api, alice: Account, staff: Staff) -> None:
        await set_tier(api, staff, alice, "basic")
        response = await api.post("/v1/members", json={"email": "carol at example"}, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["field"] == "email"
        assert len(await team(api, alice)) == 1

    async def test_a_body_without_an_email_is_refused(self, api: Api, alice: Account) -> None:
        response = await api.post("/v1/members", json={"full_name": "Carol"}, headers=alice.headers)
        assert response.status_code == 400

    @pytest.mark.parametrize(
        ("field", "value"),
        [("role", "owner"), ("tier", "enterprise"), ("client_id", None), ("user_type", "admin")],
    )
    async def test_a_body_naming_a_field_it_may_not_set_is_refused_and_changes_nothing(
        self, api: Api, alice: Account, bob: Account, staff: Staff, field: str, value: str | None
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        before = await team(api, alice)
        body = {"email": "carol@example.com", field: value if value is not None else bob.client_id}
        response = await api.post("/v1/members", json=body, headers=alice.headers)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
        assert await team(api, alice) == before
        assert [m["user_id"] for m in await team(api, bob)] == [bob.user_id]
        assert await seats_used(api, alice) == 1
        me = (await api.get("/v1/me", headers=alice.headers)).json()
        assert (me["user_type"], me["client"]["tier"]) == ("client", "basic")


class TestRemoveMember:
    async def test_withdrawing_an_invitation_frees_its_seat(self, api: Api, alice: Account, staff: Staff) -> None:
        await set_tier(api, staff, alice, "basic")
        carol = await invite(api, alice, "carol@example.com")
        response = await api.delete(f"/v1/members/{carol['id']}", headers=alice.headers)
        assert response.status_code == 204
        assert carol["id"] not in {m["id"] for m in await team(api, alice)}
        assert await seats_used(api, alice) == 1
        await invite(api, alice, "dave@example.com")
        await invite(api, alice, "erin@example.com")
        assert await seats_used(api, alice) == 3

    async def test_the_owner_cannot_be_removed(self, api: Api, alice: Account) -> None:
        [owner] = await team(api, alice)
        response = await api.delete(f"/v1/members/{owner['id']}", headers=alice.headers)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/conflict")
        assert await team(api, alice) == [owner]
        assert await seats_used(api, alice) == 1

    async def test_an_unknown_member_is_not_found(self, api: Api, alice: Account) -> None:
        response = await api.delete("/v1/members/0190f0e0-0000-7000-8000-000000000000", headers=alice.headers)
        assert response.status_code == 404
        assert await seats_used(api, alice) == 1


class TestTeamIsolation:
    async def test_another_client_never_sees_the_team(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        carol = await invite(api, alice, "carol@example.com")
        bobs = await team(api, bob)
        assert [m["user_id"] for m in bobs] == [bob.user_id]
        assert carol["id"] not in {m["id"] for m in bobs}

    async def test_another_client_cannot_remove_a_member_or_learn_that_it_exists(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        await invite(api, alice, "carol@example.com")
        before = await team(api, alice)
        for member in before:
            response = await api.delete(f"/v1/members/{member['id']}", headers=bob.headers)
            assert response.status_code == 404, member["role"]
            assert member["id"] not in response.text
        assert await team(api, alice) == before
        assert await seats_used(api, alice) == 2

    async def test_an_invitation_always_lands_on_the_callers_own_team(
        self, api: Api, alice: Account, bob: Account, staff: Staff
    ) -> None:
        await set_tier(api, staff, alice, "basic")
        await set_tier(api, staff, bob, "basic")
        await invite(api, alice, "carol@example.com")
        before = await team(api, alice)
        bobs_carol = await invite(api, bob, "carol@example.com")
        assert bobs_carol["id"] in {m["id"] for m in await team(api, bob)}
        assert await team(api, alice) == before
        assert await seats_used(api, alice) == 2
