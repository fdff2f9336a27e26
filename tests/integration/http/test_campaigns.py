"""Ad accounts and campaigns over HTTP, in sandbox mode: tier gating, sealed grants, what a sync brings, bad
input, and tenant isolation on every route. Syncs run as the worker's job does, on the same database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from arco_adapters.ads.sandbox import SandboxAdPlatform
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.security.secret_box import FernetSecretBox
from arco_adapters.system import SystemClock, Uuid7Generator
from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_domain.use_cases.campaigns import SyncAdAccount
from tests.integration.http.conftest import SECRETS_KEY, Account
from tests.integration.http.test_dashboard import on_tier

GRANT = "1//0gSandbox-refresh-token-for-tests"


async def connect(api: AsyncTestClient[Any], account: Account, platform: str, **body: Any) -> Any:
    # Each platform's own spelling: Google shows customer ids with dashes, Meta prefixes ad accounts with act_.
    number = "123-456-7890" if platform == "google_ads" else "act_1234567890"
    payload = {"platform": platform, "account_id": number, "grant": GRANT, **body}
    return await api.post("/v1/ad-accounts", json=payload, headers=account.headers)


async def connected(api: AsyncTestClient[Any], account: Account, platform: str) -> dict[str, Any]:
    response = await connect(api, account, platform)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def sync(factory: PostgresUnitOfWorkFactory, account: Account, ad_account: dict[str, Any]) -> None:
    run = SyncAdAccount(
        uow=factory, clock=SystemClock(), ids=Uuid7Generator(), secrets=FernetSecretBox([SECRETS_KEY]),
        platforms={p: SandboxAdPlatform(p) for p in CampaignPlatform}, lookback_days={},
    )  # fmt: skip
    outcome = await run(ClientId(UUID(account.client_id)), AdAccountId(UUID(ad_account["id"])))
    assert outcome.skipped is None and outcome.days > 0


async def campaigns_of(api: AsyncTestClient[Any], account: Account) -> list[dict[str, Any]]:
    response = await api.get("/v1/campaigns", params={"limit": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def week() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    return problem


class TestTierGating:
    async def test_a_free_client_connects_nothing_and_a_basic_one_only_google(
        self, api: AsyncTestClient[Any], alice: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        assert "pro" in assert_problem(await connect(api, alice, "google_ads"), 403)["detail"]
        await on_tier(postgres_uow, alice, Tier.BASIC)
        assert (await connect(api, alice, "google_ads")).status_code == 201
        assert "pro or enterprise" in assert_problem(await connect(api, alice, "meta_ads"), 403)["detail"]
        listed = (await api.get("/v1/ad-accounts", headers=alice.headers)).json()["items"]
        assert [a["platform"] for a in listed] == ["google_ads"]


class TestSyncedCampaigns:
    async def test_a_pro_clients_google_and_meta_campaigns_sync_and_re_syncing_changes_nothing(
        self, api: AsyncTestClient[Any], alice: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        accounts = [await connected(api, alice, platform) for platform in ("google_ads", "meta_ads")]
        for ad_account in accounts:
            await sync(postgres_uow, alice, ad_account)
        campaigns = await campaigns_of(api, alice)
        assert {c["platform"] for c in campaigns} == {"google_ads", "meta_ads"}
        running = next(c for c in campaigns if c["status"] == "active")
        path = f"/v1/campaigns/{running['id']}/metrics"
        response = await api.get(path, params=week(), headers=alice.headers)
        assert response.status_code == 200, response.text
        report = response.json()
        assert len(report["days"]) == 7 and report["campaign"]["id"] == running["id"]
        totals = report["totals"]
        assert float(totals["spend"]) > 0 and totals["roas"] is not None and "conversions" in totals

        for ad_account in accounts:
            await sync(postgres_uow, alice, ad_account)
        assert await campaigns_of(api, alice) == campaigns
        assert (await api.get(path, params=week(), headers=alice.headers)).json() == report

    async def test_the_grant_is_never_shown_and_is_stored_sealed(
        self,
        api: AsyncTestClient[Any],
        alice: Account,
        postgres_uow: PostgresUnitOfWorkFactory,
        postgres: EmbeddedPostgres,
        database: str,
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        ad_account = await connected(api, alice, "google_ads")
        assert GRANT not in str(ad_account) and "grant" not in ad_account
        assert ad_account["account_id"] == "1234567890"
        owner = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
        try:
            sealed = await owner.fetchval("SELECT sealed_grant FROM ad_accounts WHERE id = $1", UUID(ad_account["id"]))
        finally:
            await owner.close()
        assert GRANT.encode() not in sealed and FernetSecretBox([SECRETS_KEY]).open(sealed) == GRANT

    async def test_disconnecting_keeps_the_campaigns_and_their_history(
        self, api: AsyncTestClient[Any], alice: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        ad_account = await connected(api, alice, "meta_ads")
        await sync(postgres_uow, alice, ad_account)
        before = await campaigns_of(api, alice)
        response = await api.delete(f"/v1/ad-accounts/{ad_account['id']}", headers=alice.headers)
        assert response.status_code == 204, response.text
        [listed] = (await api.get("/v1/ad-accounts", headers=alice.headers)).json()["items"]
        assert listed["status"] == "disconnected"
        assert await campaigns_of(api, alice) == before


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "status"),
        [
            ({"platform": "bing_ads", "account_id": "1", "grant": "g"}, 422),
            ({"platform": "google_ads", "account_id": "12-ab", "grant": "g"}, 422),
            ({"platform": "google_ads", "account_id": "1", "grant": "   "}, 422),
            ({"platform": "meta_ads", "account_id": "1", "grant": "tøken"}, 422),
            ({"platform": "google_ads", "account_id": "1"}, 400),
            ({"platform": "google_ads", "account_id": "1", "grant": "g", "client_id": "x"}, 400),
            ({"platform": "google_ads", "account_id": "", "grant": "g"}, 400),
        ],
    )
    async def test_a_bad_connection_is_refused_and_stores_nothing(
        self,
        api: AsyncTestClient[Any],
        alice: Account,
        postgres_uow: PostgresUnitOfWorkFactory,
        body: dict[str, Any],
        status: int,
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        assert_problem(await api.post("/v1/ad-accounts", json=body, headers=alice.headers), status)
        assert (await api.get("/v1/ad-accounts", headers=alice.headers)).json()["items"] == []

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"from": "2026-12-02", "to": "2026-12-01"}, 422),
            ({"from": "2025-01-01", "to": "2026-12-01"}, 422),
            ({"to": "2026-12-01"}, 400),
            ({"from": "yesterday", "to": "2026-12-01"}, 400),
        ],
    )
    async def test_a_bad_period_is_refused(
        self,
        api: AsyncTestClient[Any],
        alice: Account,
        postgres_uow: PostgresUnitOfWorkFactory,
        params: dict[str, str],
        status: int,
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        await sync(postgres_uow, alice, await connected(api, alice, "google_ads"))
        campaign = (await campaigns_of(api, alice))[0]
        response = await api.get(f"/v1/campaigns/{campaign['id']}/metrics", params=params, headers=alice.headers)
        assert_problem(response, status)

    async def test_every_route_needs_a_token(self, api: AsyncTestClient[Any]) -> None:
        assert_problem(await api.get("/v1/campaigns"), 401)
        assert_problem(await api.post("/v1/ad-accounts", json={}), 401)


class TestCampaignIsolation:
    async def test_another_client_sees_nothing_and_changes_nothing(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        await on_tier(postgres_uow, bob, Tier.PRO)
        ad_account = await connected(api, alice, "google_ads")
        await sync(postgres_uow, alice, ad_account)
        campaign = (await campaigns_of(api, alice))[0]

        assert_problem(await api.delete(f"/v1/ad-accounts/{ad_account['id']}", headers=bob.headers), 404)
        metrics = await api.get(f"/v1/campaigns/{campaign['id']}/metrics", params=week(), headers=bob.headers)
        problem = assert_problem(metrics, 404)
        assert campaign["id"] not in problem["detail"]
        assert await campaigns_of(api, bob) == []
        assert (await api.get("/v1/ad-accounts", headers=bob.headers)).json()["items"] == []
        [still] = (await api.get("/v1/ad-accounts", headers=alice.headers)).json()["items"]
        assert still["status"] == "connected"

    async def test_the_same_ad_account_may_be_connected_by_two_clients(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.PRO)
        await on_tier(postgres_uow, bob, Tier.PRO)
        first, second = await connected(api, alice, "google_ads"), await connected(api, bob, "google_ads")
        assert first["id"] != second["id"]
