"""What each role may do (SPEC 10a), checked by the use-cases themselves, so the HTTP API, the worker and the
command line all obey the same table."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from arco_adapters.ads.sandbox import SandboxAdPlatform
from arco_adapters.security.secret_box import FernetSecretBox, new_key
from arco_domain.errors import PermissionDenied
from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.access import Capability, CapabilityMissing, DataScope, Principal, Role
from arco_domain.model.ad_accounts import AdAccount
from arco_domain.model.clients import BillingAccount, Client, Member, MemberRole, MemberStatus, User, UserType
from arco_domain.model.dns import DnsRecord
from arco_domain.model.domains import Domain
from arco_domain.model.paging import PageRequest
from arco_domain.model.projects import Milestone, Project
from arco_domain.model.tickets import Ticket, TicketStatus
from arco_domain.model.tiers import CampaignPlatform, Resource, Tier
from arco_domain.use_cases.billing import OpenBillingPortal, StartCheckout
from arco_domain.use_cases.campaigns import ConnectAdAccount, DisconnectAdAccount, ListAdAccounts
from arco_domain.use_cases.clients import ChangePlan, GetUsage, ListClients
from arco_domain.use_cases.dns import (
    AddDnsRecord,
    DeleteDnsRecord,
    ListDnsRecords,
    ReconcileDnsRecords,
    UpdateDnsRecord,
)
from arco_domain.use_cases.domains import (
    AddDomain,
    AssignDomainToProject,
    GetDomain,
    RefreshDomainStatus,
    RemoveDomain,
)
from arco_domain.use_cases.identity import CreateStaffUser, IdentifyUser
from arco_domain.use_cases.members import InviteMember, ListMembers, RemoveMember
from arco_domain.use_cases.projects import (
    AddMilestone,
    CompleteMilestone,
    CreateProject,
    DeleteProject,
    GetProject,
    ListProjects,
    ProjectChanges,
    UpdateProject,
)
from arco_domain.use_cases.tickets import CreateTicket, GetTicket, PostTicketMessage, TransitionTicket
from arco_entrypoints.cli import create_staff
from tests.unit.conftest import World

ADMIN, DEVELOPER, SUPPORT = UserType.ADMIN, UserType.DEVELOPER, UserType.SUPPORT
OWNER, MEMBER = MemberRole.OWNER, MemberRole.MEMBER
ROLES: tuple[Role, ...] = (ADMIN, DEVELOPER, SUPPORT, OWNER, MEMBER)
STAFF = frozenset({ADMIN, DEVELOPER, SUPPORT})
EVERYONE = frozenset(ROLES)
EDITORS = frozenset({ADMIN, DEVELOPER, OWNER, MEMBER})
"""Who changes a client's projects, domains and DNS: never support, whose views are read-only."""
GOOGLE = CampaignPlatform.GOOGLE_ADS
AD_PORTS = {"platforms": {GOOGLE: SandboxAdPlatform(GOOGLE)}, "secrets": FernetSecretBox([new_key()])}


class FakePaymentGateway:
    """Hosted pages at made-up addresses; the provider itself is not under test here."""

    async def ensure_customer(self, client_id: ClientId, *, email: str, name: str) -> str:
        return "cus_roles"

    async def checkout_url(self, client_id: ClientId, customer_id: str, *, tier: Tier, return_url: str) -> str:
        return f"https://pay.example.com/checkout/{tier}"

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        return "https://pay.example.com/portal"


@dataclass
class Agency:
    """A pro client with one of everything, and the adapters the use-cases under test need."""

    world: World
    client: Client
    owner: Principal
    project: Project
    milestone: Milestone
    domain: Domain
    record: DnsRecord
    ticket: Ticket
    invited: Member
    ad_account: AdAccount

    def build(self, use_case: Callable[..., Any]) -> Any:
        """`use_case` on the world's adapters, given the payment gateway and ad platforms if it takes them."""
        ports = {"gateway": FakePaymentGateway(), **AD_PORTS}
        taken = inspect.signature(use_case).parameters
        return self.world.build(use_case, **{name: port for name, port in ports.items() if name in taken})

    def caller(self, role: Role) -> Principal:
        if isinstance(role, UserType):
            return self.world.staff(role)
        if role is OWNER:
            return self.owner
        return Principal(UserId(self.world.ids.new_id()), UserType.CLIENT, self.client.id, client_role=role)


async def set_up(world: World) -> Agency:
    client, owner = await world.register()
    admin = world.staff()
    await world.build(ChangePlan)(admin, client.id, tier=Tier.PRO)
    async with world.uow(DataScope.of_client(client.id)) as uow:
        stored = await uow.clients.get(client.id)
        stored.billing = BillingAccount(customer_id="cus_roles")
        await uow.clients.update(stored)
        await uow.commit()
    project = await world.build(CreateProject)(owner, client.id, name="Website")
    milestone = await world.build(AddMilestone)(owner, client.id, project.id, title="Launch")
    domain = await world.build(AddDomain)(owner, client.id, name="acme.com.br")
    record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
    ticket = await world.build(CreateTicket)(owner, subject="Form broken", description="Since Monday")
    invited = await world.build(InviteMember)(owner, client.id, email="carol@example.com")
    connect = world.build(ConnectAdAccount, **AD_PORTS)
    account = await connect(owner, client.id, platform="google_ads", account_id="123-456-7890", grant="1//grant")
    return Agency(world, client, owner, project, milestone, domain, record, ticket, invited, account)


Act = Callable[[Agency, Principal], Awaitable[object]]

ACTIONS: dict[str, tuple[frozenset[Role], Act]] = {
    # plans: tiers and contract limits
    "change the tier": (
        frozenset({ADMIN}),
        lambda a, p: a.build(ChangePlan)(p, a.client.id, tier=Tier.ENTERPRISE),
    ),
    "set custom limits": (
        frozenset({ADMIN}),
        lambda a, p: a.build(ChangePlan)(p, a.client.id, custom_limits={Resource.PROJECTS: 50}),
    ),
    "list every client": (STAFF, lambda a, p: a.build(ListClients)(p, PageRequest())),
    # the client's team, billing and ad accounts
    "invite a member": (
        frozenset({ADMIN, OWNER}),
        lambda a, p: a.build(InviteMember)(p, a.client.id, email="dave@example.com"),
    ),
    "remove a member": (frozenset({ADMIN, OWNER}), lambda a, p: a.build(RemoveMember)(p, a.client.id, a.invited.id)),
    "start a checkout": (
        frozenset({OWNER}),  # an admin holds billing too, but has no client account to buy for
        lambda a, p: a.build(StartCheckout)(p, tier=Tier.BASIC, return_url="https://app.example.com"),
    ),
    "open the billing portal": (
        frozenset({OWNER}),
        lambda a, p: a.build(OpenBillingPortal)(p, return_url="https://app.example.com"),
    ),
    "connect an ad account": (
        frozenset({ADMIN, OWNER}),
        lambda a, p: a.build(ConnectAdAccount)(
            p, a.client.id, platform="google_ads", account_id="222-333-4444", grant="1//grant"
        ),
    ),
    "disconnect an ad account": (
        frozenset({ADMIN, OWNER}),
        lambda a, p: a.build(DisconnectAdAccount)(p, a.client.id, a.ad_account.id),
    ),
    # tickets: the agency's side
    "write an internal note": (
        STAFF,
        lambda a, p: a.build(PostTicketMessage)(p, a.client.id, a.ticket.id, body="Check the logs", internal=True),
    ),
    "start work on a ticket": (
        STAFF,
        lambda a, p: a.build(TransitionTicket)(p, a.client.id, a.ticket.id, to=TicketStatus.IN_PROGRESS),
    ),
    "reply on a ticket": (
        EVERYONE,
        lambda a, p: a.build(PostTicketMessage)(p, a.client.id, a.ticket.id, body="Looking into it"),
    ),
    # projects, domains and DNS
    "create a project": (EDITORS, lambda a, p: a.build(CreateProject)(p, a.client.id, name="Shop")),
    "rename a project": (
        EDITORS,
        lambda a, p: a.build(UpdateProject)(p, a.client.id, a.project.id, ProjectChanges(name="Site")),
    ),
    "delete a project": (EDITORS, lambda a, p: a.build(DeleteProject)(p, a.client.id, a.project.id)),
    "add a milestone": (EDITORS, lambda a, p: a.build(AddMilestone)(p, a.client.id, a.project.id, title="Beta")),
    "complete a milestone": (
        EDITORS,
        lambda a, p: a.build(CompleteMilestone)(p, a.client.id, a.project.id, a.milestone.id),
    ),
    "add a domain": (EDITORS, lambda a, p: a.build(AddDomain)(p, a.client.id, name="acme-shop.com.br")),
    "detach a domain from its project": (
        EDITORS,
        lambda a, p: a.build(AssignDomainToProject)(p, a.client.id, a.domain.id, project_id=None),
    ),
    "refresh a domain at the provider": (
        EDITORS,
        lambda a, p: a.build(RefreshDomainStatus)(p, a.client.id, a.domain.id),
    ),
    "remove a domain": (EDITORS, lambda a, p: a.build(RemoveDomain)(p, a.client.id, a.domain.id)),
    "add a DNS record": (
        EDITORS,
        lambda a, p: a.build(AddDnsRecord)(p, a.client.id, a.domain.id, type="A", name="api", content="192.0.2.2"),
    ),
    "change a DNS record": (
        EDITORS,
        lambda a, p: a.build(UpdateDnsRecord)(p, a.client.id, a.domain.id, a.record.id, content="192.0.2.3"),
    ),
    "delete a DNS record": (
        EDITORS,
        lambda a, p: a.build(DeleteDnsRecord)(p, a.client.id, a.domain.id, a.record.id),
    ),
    "reconcile DNS records": (EDITORS, lambda a, p: a.build(ReconcileDnsRecords)(p, a.client.id, a.domain.id)),
    # reading a client's areas
    "read the usage": (EVERYONE, lambda a, p: a.build(GetUsage)(p, a.client.id)),
    "read a project": (EVERYONE, lambda a, p: a.build(GetProject)(p, a.client.id, a.project.id)),
    "list projects": (EVERYONE, lambda a, p: a.build(ListProjects)(p, a.client.id, PageRequest())),
    "read a domain": (EVERYONE, lambda a, p: a.build(GetDomain)(p, a.client.id, a.domain.id)),
    "list DNS records": (EVERYONE, lambda a, p: a.build(ListDnsRecords)(p, a.client.id, a.domain.id, PageRequest())),
    "read a ticket": (EVERYONE, lambda a, p: a.build(GetTicket)(p, a.client.id, a.ticket.id)),
    "list the team": (EVERYONE, lambda a, p: a.build(ListMembers)(p, a.client.id, PageRequest())),
    "list ad accounts": (EVERYONE, lambda a, p: a.build(ListAdAccounts)(p, a.client.id, PageRequest())),
}


class TestRoleTable:
    @pytest.mark.parametrize("role", ROLES, ids=str)
    @pytest.mark.parametrize("action", ACTIONS, ids=str)
    async def test_each_role_does_what_its_row_allows_and_is_refused_the_rest_with_nothing_written(
        self, world: World, action: str, role: Role
    ) -> None:
        allowed, act = ACTIONS[action]
        agency = await set_up(world)
        caller = agency.caller(role)
        if role in allowed:
            await act(agency, caller)
            return
        before = world.uow.store.snapshot()
        with pytest.raises(PermissionDenied):
            await act(agency, caller)
        assert world.uow.store.snapshot() == before


class TestCapabilityMissing:
    async def test_a_developer_changing_a_tier_is_told_what_is_missing_and_who_holds_it(self, world: World) -> None:
        client, _ = await world.register()
        with pytest.raises(CapabilityMissing) as refused:
            await world.build(ChangePlan)(world.staff(DEVELOPER), client.id, tier=Tier.PRO)
        assert refused.value.facts() == {"capability": "change_plans", "role": "developer", "allowed": ["admin"]}
        assert "developer" in refused.value.detail and "change_plans" in refused.value.detail

    async def test_a_member_inviting_is_refused_naming_the_roles_that_may(self, world: World) -> None:
        agency = await set_up(world)
        with pytest.raises(CapabilityMissing) as refused:
            await agency.build(InviteMember)(agency.caller(MEMBER), agency.client.id, email="eve@example.com")
        assert refused.value.facts() == {"capability": "manage_team", "role": "member", "allowed": ["admin", "owner"]}

    async def test_a_client_user_whose_team_role_is_unknown_may_do_what_a_member_may(self, world: World) -> None:
        agency = await set_up(world)
        unknown = Principal(agency.owner.user_id, UserType.CLIENT, agency.client.id)
        assert unknown.role is MEMBER
        assert unknown.can(Capability.EDIT_CLIENT_AREAS)
        with pytest.raises(CapabilityMissing):
            await agency.build(RemoveMember)(unknown, agency.client.id, agency.invited.id)


class TestIdentifyUser:
    async def test_the_owner_is_identified_with_the_owner_role(self, world: World) -> None:
        client, owner = await world.register()
        identity = await world.build(IdentifyUser)(owner.user_id)
        assert (identity.client_id, identity.client_role) == (client.id, OWNER)

    async def test_a_team_member_is_identified_with_the_member_role(self, world: World) -> None:
        client, _ = await world.register()
        user = User(UserId(world.ids.new_id()), "mia@example.com", UserType.CLIENT, world.clock.now())
        async with world.uow(DataScope.of_client(client.id)) as uow:
            await uow.users.add(user)
            await uow.members.add(
                Member(
                    id=MemberId(world.ids.new_id()), client_id=client.id, email=user.email, role=MEMBER,
                    status=MemberStatus.ACTIVE, created_at=world.clock.now(), user_id=user.id,
                )
            )  # fmt: skip
            await uow.commit()
        identity = await world.build(IdentifyUser)(user.id)
        assert (identity.client_id, identity.client_role) == (client.id, MEMBER)

    async def test_a_support_user_is_staff_with_no_team(self, world: World) -> None:
        user = await world.build(CreateStaffUser)(email="sam@agency.example.com", user_type=SUPPORT)
        identity = await world.build(IdentifyUser)(user.id)
        assert (identity.user.user_type, identity.client_id, identity.client_role) == (SUPPORT, None, None)


class TestCreateStaffCommand:
    def test_the_role_option_offers_every_staff_role(self) -> None:
        [role] = [option for option in create_staff.params if option.name == "role"]
        assert set(role.type.choices) == {"admin", "developer", "support"}  # type: ignore[attr-defined]
