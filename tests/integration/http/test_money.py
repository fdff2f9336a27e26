"""Money on the API: decimal strings with at most 2 places that fit what ARCO stores, or a 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account, Staff

REFUSED = [
    "1e20",
    "1E2",
    "0.001",
    "12.345",
    "1.000",
    "9999999999999",
    "-9999999999999.99",
    "NaN",
    "Infinity",
    "-Infinity",
    "sNaN",
    "12.",
    ".5",
    " 12",
    "12 ",
    "1_000",
    "1,50",
    "+5",
    "0x10",
    "\uff11\uff12",  # full-width digits, which Python's Decimal would read
    "",
    pytest.param("1" * 100_000, id="huge"),
]


async def create_project(api: AsyncTestClient[Any], account: Account, budget: Any) -> Any:
    return await api.post("/v1/projects", json={"name": "Website", "budget_total": budget}, headers=account.headers)


class TestMoneyOnTheApi:
    @pytest.mark.parametrize("budget", REFUSED)
    async def test_an_amount_that_breaks_the_rule_is_refused_naming_its_field(
        self, api: AsyncTestClient[Any], alice: Account, budget: str
    ) -> None:
        response = await create_project(api, alice, budget)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == "budget_total"
        assert (await api.get("/v1/projects", headers=alice.headers)).json()["items"] == []

    @pytest.mark.parametrize("budget", [12.5, 1e20, 12, True, ["12.50"], {"amount": "12.50"}])
    async def test_an_amount_that_is_not_a_string_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, budget: Any
    ) -> None:
        response = await create_project(api, alice, budget)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["key"] == "budget_total"

    @pytest.mark.parametrize(
        ("budget", "kept"),
        [("999999999999.99", "999999999999.99"), ("0.5", "0.50"), ("12", "12.00"), ("007.10", "7.10"), ("0", "0.00")],
    )
    async def test_an_amount_within_the_rule_is_kept_exactly(
        self, api: AsyncTestClient[Any], alice: Account, budget: str, kept: str
    ) -> None:
        created = await create_project(api, alice, budget)
        assert created.status_code == 201, created.text
        assert created.json()["budget_total"] == kept
        read = await api.get(f"/v1/projects/{created.json()['id']}", headers=alice.headers)
        assert read.json()["project"]["budget_total"] == kept

    async def test_every_route_that_takes_an_amount_holds_to_the_rule(
        self, api: AsyncTestClient[Any], alice: Account, staff: Staff
    ) -> None:
        project = (await create_project(api, alice, "100.00")).json()
        for path, headers in (
            (f"/v1/projects/{project['id']}", alice.headers),
            (f"/v1/admin/clients/{alice.client_id}/projects/{project['id']}", staff.headers),
        ):
            for budget in ("1e20", "0.001"):
                response = await api.patch(path, json={"budget_total": budget}, headers=headers)
                assert response.status_code == 422, (path, response.text)
                assert response.json()["field"] == "budget_total"
        read = await api.get(f"/v1/projects/{project['id']}", headers=alice.headers)
        assert read.json()["project"]["budget_total"] == "100.00"
