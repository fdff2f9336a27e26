"""Staff and team roles over HTTP on the real app and PostgreSQL: each refusal is a `403` naming what is
missing, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.security.tokens import AUDIENCE
from arco_adapters.system import SystemClock, Uuid7Generator
from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.access import DataScope, Identity
from arco_domain.model.clients import Member, MemberRole, MemberStatus, User, UserType
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.identity import CreateStaffUser
from arco_entrypoints.container import Container
from tests.integration.http.conftest import JWT_SECRET, Account, Staff, cheap_hasher, settings_for
from tests.integration.http.test_dashboard import on_tier

Api = AsyncTestClient[Any]
PLAN_CHANGES = [{"tier": "pro"}, {"custom_limits": {"projects": 50}}, {"tier": "pro", "custom_limits": {}}]


@pytest.fixture
def container(database_urls: dict[str, str]) -> Container:
    """The shared app container, its sandbox payment provider sending events nowhere reachable."""
    container = Container(settings=settings_for(database_urls, public_url="http://127.0.0.1:9"))
    container.adapters.hasher.override(providers.Resource(cheap_hasher))
    return container


async def staff_with_role(factory: PostgresUnitOfWorkFactory, container: Container, role: UserType) -> Staff:
    create = CreateStaffUser(uow=factory, clock=SystemClock(), ids=Uuid7Generator())
    user = await create(email=f"{role}-{Uuid7Generator().new_id().hex[-8:]}@agency.example.com", user_type=role)
    return Staff(token=container.adapters.tokens().issue(Identity(user, None)), user_id=str(user.id))


@pytest.fixture
async def developer(postgres_uow: PostgresUnitOfWorkFactory, container: Container) -> Staff:
    return await staff_with_role(postgres_uow, container, UserType.DEVELOPER)


@pytest.fixture
async def support(postgres_uow: PostgresUnitOfWorkFactory, container: Container) -> Staff:
    return await staff_with_role(postgres_uow, container, UserType.SUPPORT)


def supabase_token(user_id: str) -> str:
    """What Supabase Auth signs with the shared secret: the user, and none of ARCO's claims."""
    expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    payload = {"sub": user_id, "aud": AUDIENCE, "role": "authenticated", "exp": expires}
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


@pytest.fixture
async def teammate(postgres_uow: PostgresUnitOfWorkFactory, container: Container, alice: Account) -> Account:
    """A member of alice's team who has joined (an active seat with a user), with an ARCO token."""
    ids, now = Uuid7Generator(), datetime.now(UTC)
    user = User(UserId(ids.new_id()), f"mia-{ids.new_id().hex[-8:]}@alpha.example.com", UserType.CLIENT, now)
    client_id = ClientId(UUID(alice.client_id))
    async with postgres_uow(DataScope.all_clients()) as uow:
        await uow.users.add(user)
        await uow.members.add(
            Member(
                id=MemberId(ids.new_id()), client_id=client_id, email=user.email, role=MemberRole.MEMBER,
                status=MemberStatus.ACTIVE, created_at=now, user_id=user.id,
            )
        )  # fmt: skip
        await uow.commit()
    token = container.adapters.tokens().issue(Identity(user, client_id, MemberRole.MEMBER))
    return Account(token=token, user_id=str(user.id), client_id=alice.client_id)


def refused(response: Any, capability: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["capability"] == capability


async def tier_of(api: Api, account: Account) -> str:
    tier: str = (await api.get("/v1/me", headers=account.headers)).json()["client"]["tier"]
    return tier


async def project_names(api: Api, account: Account) -> list[str]:
    return [p["name"] for p in (await api.get("/v1/projects", headers=account.headers)).json()["items"]]


class TestPlanChanges:
    @pytest.mark.parametrize("body", PLAN_CHANGES)
    async def test_a_developer_may_not_change_a_tier_or_limits(
        self, api: Api, alice: Account, developer: Staff, body: dict[str, Any]
    ) -> None:
        response = await api.patch(f"/v1/admin/clients/{alice.client_id}", json=body, headers=developer.headers)
        refused(response, "change_plans")
        assert response.json()["allowed"] == ["admin"]
        assert await tier_of(api, alice) == "free"

    async def test_support_may_not_change_a_tier_either(self, api: Api, alice: Account, support: Staff) -> None:
        response = await api.patch(
            f"/v1/admin/clients/{alice.client_id}", json={"tier": "pro"}, headers=support.headers
        )
        refused(response, "change_plans")

    async def test_an_admin_changes_the_tier(self, api: Api, alice: Account, staff: Staff) -> None:
        response = await api.patch(f"/v1/admin/clients/{alice.client_id}", json={"tier": "pro"}, headers=staff.headers)
        assert response.status_code == 200, response.text
        assert await tier_of(api, alice) == "pro"


class TestSupport:
    async def test_support_works_a_ticket_from_the_list_to_a_status_move(
        self, api: Api, alice: Account, support: Staff
    ) -> None:
        opened = await api.post(
            "/v1/tickets", json={"subject": "Down", "description": "Since 9"}, headers=alice.headers
        )
        assert opened.status_code == 201, opened.text
        tickets = f"/v1/admin/clients/{alice.client_id}/tickets"
        ticket = f"{tickets}/{opened.json()['id']}"

        listed = await api.get(tickets, headers=support.headers)
        assert [t["id"] for t in listed.json()["items"]] == [opened.json()["id"]]
        reply = await api.post(f"{ticket}/messages", json={"message": "On it"}, headers=support.headers)
        note = await api.post(f"{ticket}/messages", json={"message": "DNS?", "internal": True}, headers=support.headers)
        moved = await api.post(f"{ticket}/transitions", json={"to": "in_progress"}, headers=support.headers)
        assert (reply.status_code, note.status_code, moved.status_code) == (201, 201, 200), moved.text
        thread = (await api.get(ticket, headers=support.headers)).json()
        assert thread["ticket"]["status"] == "in_progress"
        assert [m["internal"] for m in thread["messages"]] == [False, True]

    async def test_support_reads_a_clients_projects_but_may_not_change_one_and_a_developer_may(
        self, api: Api, alice: Account, support: Staff, developer: Staff
    ) -> None:
        created = await api.post("/v1/projects", json={"name": "Website"}, headers=alice.headers)
        assert created.status_code == 201, created.text
        projects = f"/v1/admin/clients/{alice.client_id}/projects"
        project = f"{projects}/{created.json()['id']}"

        listed = await api.get(projects, headers=support.headers)
        assert [p["name"] for p in listed.json()["items"]] == ["Website"]
        refused(await api.patch(project, json={"name": "Renamed"}, headers=support.headers), "edit_client_areas")
        assert await project_names(api, alice) == ["Website"]

        changed = await api.patch(project, json={"name": "Renamed"}, headers=developer.headers)
        assert changed.status_code == 200, changed.text
        assert await project_names(api, alice) == ["Renamed"]


class TestTeamRoles:
    async def test_a_member_may_not_invite_or_remove_members(self, api: Api, alice: Account, teammate: Account) -> None:
        invited = await api.post("/v1/members", json={"email": "zed@example.com"}, headers=teammate.headers)
        refused(invited, "manage_team")
        owner_seat = (await api.get("/v1/members", headers=teammate.headers)).json()["items"][0]
        refused(await api.delete(f"/v1/members/{owner_seat['id']}", headers=teammate.headers), "manage_team")
        team = (await api.get("/v1/members", headers=alice.headers)).json()["items"]
        assert sorted(m["role"] for m in team) == ["member", "owner"]

    async def test_a_member_may_not_open_billing(self, api: Api, alice: Account, teammate: Account) -> None:
        refused(
            await api.post("/v1/billing/checkout", json={"tier": "pro"}, headers=teammate.headers), "manage_billing"
        )
        refused(await api.post("/v1/billing/portal", json={}, headers=teammate.headers), "manage_billing")

    async def test_a_member_may_not_connect_or_disconnect_ad_accounts(
        self, api: Api, alice: Account, teammate: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.BASIC)
        body = {"platform": "google_ads", "account_id": "123-456-7890", "grant": "1//0gSandbox-grant"}
        refused(await api.post("/v1/ad-accounts", json=body, headers=teammate.headers), "manage_ad_accounts")
        connected = await api.post("/v1/ad-accounts", json=body, headers=alice.headers)
        assert connected.status_code == 201, connected.text
        account = f"/v1/ad-accounts/{connected.json()['id']}"
        refused(await api.delete(account, headers=teammate.headers), "manage_ad_accounts")
        assert (await api.get("/v1/ad-accounts", headers=alice.headers)).json()["items"][0]["status"] == "connected"

    async def test_a_member_still_works_on_the_clients_projects(self, api: Api, teammate: Account) -> None:
        created = await api.post("/v1/projects", json={"name": "Landing page"}, headers=teammate.headers)
        assert created.status_code == 201, created.text

    async def test_a_member_signed_in_elsewhere_is_looked_up_and_refused_too(
        self, api: Api, alice: Account, teammate: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.BASIC)
        elsewhere = {"Authorization": f"Bearer {supabase_token(teammate.user_id)}"}
        refused(await api.post("/v1/members", json={"email": "zed@example.com"}, headers=elsewhere), "manage_team")
        owner_elsewhere = {"Authorization": f"Bearer {supabase_token(alice.user_id)}"}
        invited = await api.post("/v1/members", json={"email": "zed@example.com"}, headers=owner_elsewhere)
        assert invited.status_code == 201, invited.text

    async def test_the_owner_runs_the_team_billing_and_ad_accounts(
        self, api: Api, alice: Account, postgres_uow: PostgresUnitOfWorkFactory
    ) -> None:
        await on_tier(postgres_uow, alice, Tier.BASIC)
        invited = await api.post("/v1/members", json={"email": "zed@example.com"}, headers=alice.headers)
        assert invited.status_code == 201, invited.text
        removed = await api.delete(f"/v1/members/{invited.json()['id']}", headers=alice.headers)
        checkout = await api.post("/v1/billing/checkout", json={"tier": "pro"}, headers=alice.headers)
        portal = await api.post("/v1/billing/portal", json={}, headers=alice.headers)
        body = {"platform": "google_ads", "account_id": "123-456-7890", "grant": "1//0gSandbox-grant"}
        connected = await api.post("/v1/ad-accounts", json=body, headers=alice.headers)
        assert (removed.status_code, checkout.status_code, portal.status_code, connected.status_code) == (
            204, 200, 200, 201,
        ), portal.text  # fmt: skip
        disconnected = await api.delete(f"/v1/ad-accounts/{connected.json()['id']}", headers=alice.headers)
        assert disconnected.status_code == 204, disconnected.text
