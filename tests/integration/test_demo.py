"""The demo agency seeds once, through the same use-cases and sandbox adapters a real install uses."""

from __future__ import annotations

from typing import Any

from arco_adapters.security.secret_box import new_key
from arco_domain.model.access import DataScope
from arco_domain.model.clients import MemberRole
from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_entrypoints.demo import demo_email, seed_demo
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings


async def test_the_demo_agency_is_seeded_once_with_its_ad_accounts_synced(
    database_urls: dict[str, str],
) -> None:
    runtime = Runtime(
        Settings(
            environment=Environment.TEST, **database_urls, jwt_secret="demo-test-secret-that-is-long-enough",
            secrets_key=(new_key(),),
        )
    )  # fmt: skip
    container: Any = runtime.container(pool_size=4)
    await container.init_resources()
    try:
        logins = await seed_demo(container, days=3)
        assert logins is not None and [login.tier for login in logins] == [None, *Tier]
        assert await seed_demo(container, days=3) is None
        uow = await container.adapters.uow()
        async with uow(DataScope.all_clients()) as unit:
            owner = await unit.users.find_by_email(demo_email(Tier.PRO))
            assert owner is not None
            seat = await unit.members.of_user(owner.id)
            assert seat is not None and seat.role is MemberRole.OWNER
            pro = seat.client_id
            platforms = {c.platform for c in await unit.campaigns.list_for_client(pro)}
            accounts = await unit.ad_accounts.list_for_client(pro)
        assert platforms == {CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS}
        assert all(account.last_synced_at is not None for account in accounts) and len(accounts) == 2
    finally:
        await container.shutdown_resources()
