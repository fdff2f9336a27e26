"""Projects and milestones over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account


async def create_project(api: AsyncTestClient[Any], account: Account, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/projects", json={"name": "Website", **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestProjects:
    async def test_create_read_update_and_delete(self, api: AsyncTestClient[Any], alice: Account) -> None:
        project = await create_project(api, alice, budget_total="12000.50", start_date="2026-01-10")
        assert project["budget_total"] == "12000.50"
        path = f"/v1/projects/{project['id']}"
        updated = await api.patch(path, json={"status": "development", "name": "New site"}, headers=alice.headers)
        assert updated.status_code == 200
        assert (updated.json()["status"], updated.json()["name"]) == ("development", "New site")
        milestone = await api.post(f"{path}/milestones", json={"title": "Launch"}, headers=alice.headers)
        assert milestone.status_code == 201
        done = await api.post(f"{path}/milestones/{milestone.json()['id']}/complete", headers=alice.headers)
        assert done.json()["completed_at"] is not None
        detail = (await api.get(path, headers=alice.headers)).json()
        assert detail["completion_percent"] == 100
        assert (await api.delete(path, headers=alice.headers)).status_code == 204
        assert (await api.get(path, headers=alice.headers)).status_code == 404
        usage = (await api.get("/v1/usage", headers=alice.headers)).json()["quotas"]
        assert next(q for q in usage if q["resource"] == "projects")["used"] == 0

    async def test_the_free_tier_holds_one_project_and_a_refusal_writes_nothing(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        await create_project(api, alice)
        refused = await api.post("/v1/projects", json={"name": "Shop"}, headers=alice.headers)
        assert refused.status_code == 409
        problem = refused.json()
        assert problem["type"].endswith("/quota-exceeded")
        assert (problem["resource"], problem["limit"], problem["used"]) == ("projects", 1, 1)
        assert len((await api.get("/v1/projects", headers=alice.headers)).json()["items"]) == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"name": ""},
            {"name": "x" * 201},
            {"name": "Site", "status": "shipped"},
            {"name": "Site", "budget_total": "-5"},
            {"name": "Site", "budget_total": "NaN"},
            {"name": "Site", "start_date": "2026-05-01", "estimated_delivery": "2026-01-01"},
            {"name": "Site", "client_id": "00000000-0000-0000-0000-000000000000"},
            {"name": 42},
            [],
        ],
        ids=["empty", "long", "status", "negative", "nan", "dates", "client_id", "type", "array"],
    )
    async def test_bad_bodies_are_refused_and_nothing_is_created(
        self, api: AsyncTestClient[Any], alice: Account, body: Any
    ) -> None:
        response = await api.post("/v1/projects", json=body, headers=alice.headers)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (await api.get("/v1/projects", headers=alice.headers)).json()["items"] == []

    async def test_a_status_change_follows_the_pipeline(self, api: AsyncTestClient[Any], alice: Account) -> None:
        project = await create_project(api, alice)
        skipped = await api.patch(f"/v1/projects/{project['id']}", json={"status": "live"}, headers=alice.headers)
        assert skipped.status_code == 409
        current = (await api.get(f"/v1/projects/{project['id']}", headers=alice.headers)).json()
        assert current["project"]["status"] == "discovery"

    async def test_pages_follow_the_cursor(self, api: AsyncTestClient[Any], alice: Account, staff: Any) -> None:
        await api.patch(f"/v1/admin/clients/{alice.client_id}", json={"tier": "pro"}, headers=staff.headers)
        names = [f"Site {n}" for n in range(5)]
        for name in names:
            await create_project(api, alice, name=name)
        first = (await api.get("/v1/projects?limit=2", headers=alice.headers)).json()
        second = (await api.get(f"/v1/projects?limit=2&cursor={first['next_cursor']}", headers=alice.headers)).json()
        third = (await api.get(f"/v1/projects?limit=2&cursor={second['next_cursor']}", headers=alice.headers)).json()
        seen = [p["name"] for page in (first, second, third) for p in page["items"]]
        assert seen == names
        assert third["next_cursor"] is None
        assert (await api.get("/v1/projects?limit=101", headers=alice.headers)).status_code == 400
        assert (await api.get("/v1/projects?cursor=%%%", headers=alice.headers)).status_code in (400, 422)


class TestProjectIsolation:
    async def test_another_client_cannot_see_or_change_a_project(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        project = await create_project(api, alice, name="Alice site")
        path = f"/v1/projects/{project['id']}"
        assert (await api.get(path, headers=bob.headers)).status_code == 404
        assert (await api.patch(path, json={"name": "Bob's now"}, headers=bob.headers)).status_code == 404
        assert (await api.delete(path, headers=bob.headers)).status_code == 404
        assert (await api.post(f"{path}/milestones", json={"title": "x"}, headers=bob.headers)).status_code == 404
        assert (await api.get("/v1/projects", headers=bob.headers)).json()["items"] == []
        still = (await api.get(path, headers=alice.headers)).json()
        assert (still["project"]["name"], still["milestones"]) == ("Alice site", [])

    async def test_a_milestone_of_another_client_cannot_be_completed(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        project = await create_project(api, alice)
        milestone = (
            await api.post(f"/v1/projects/{project['id']}/milestones", json={"title": "Go"}, headers=alice.headers)
        ).json()
        bobs = await create_project(api, bob)
        attempt = await api.post(
            f"/v1/projects/{bobs['id']}/milestones/{milestone['id']}/complete", headers=bob.headers
        )
        assert attempt.status_code == 404
        detail = (await api.get(f"/v1/projects/{project['id']}", headers=alice.headers)).json()
        assert detail["milestones"][0]["completed_at"] is None
