from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account


class TestSmoke:
    async def test_health_and_ready(self, api: AsyncTestClient[Any]) -> None:
        assert (await api.get("/health")).json() == {"status": "ok"}
        assert (await api.get("/ready")).json() == {"status": "ready"}

    async def test_a_project_round_trip(self, api: AsyncTestClient[Any], alice: Account) -> None:
        created = await api.post("/v1/projects", json={"name": "Site"}, headers=alice.headers)
        assert created.status_code == 201, created.text
        listed = await api.get("/v1/projects", headers=alice.headers)
        assert [p["name"] for p in listed.json()["items"]] == ["Site"]
        second = await api.post("/v1/projects", json={"name": "Shop"}, headers=alice.headers)
        assert second.status_code == 409, second.text
        assert second.headers["content-type"].startswith("application/problem+json")
