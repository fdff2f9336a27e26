"""Client team use-cases: invitations hold a seat from the moment they are sent."""

from __future__ import annotations

from dataclasses import dataclass

from arco_domain.errors import Conflict
from arco_domain.ids import AuditEventId, ClientId, MemberId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.clients import Member, MemberRole, MemberStatus, normalize_email
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import release_stock, take_quota, write_audit
from arco_ports.clock import Clock, IdGenerator
from arco_ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteMember:
    """Invite someone onto a client's team (its owner, or an admin)."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self, principal: Principal, client_id: ClientId, *, email: str, full_name: str | None = None
    ) -> Member:
        principal.require(Capability.MANAGE_TEAM)
        client_id = principal.client_in_reach(client_id)
        now = self.clock.now()
        member = Member(
            id=MemberId(self.ids.new_id()), client_id=client_id, email=normalize_email(email),
            role=MemberRole.MEMBER, status=MemberStatus.INVITED, created_at=now, full_name=full_name,
        )  # fmt: skip
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            await take_quota(uow, client, Resource.TEAM_MEMBERS, 1, now)
            await uow.members.add(member)
            await write_audit(
                uow, event_id=AuditEventId(self.ids.new_id()), at=now, principal=principal,
                action="member.invite", client_id=client_id, details={"email": member.email},
            )  # fmt: skip
            await uow.commit()
        return member


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveMember:
    """Remove a team member or withdraw an invitation (the owner, or an admin). The owner cannot be removed."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(self, principal: Principal, client_id: ClientId, member_id: MemberId) -> None:
        principal.require(Capability.MANAGE_TEAM)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            member = await uow.members.get(client_id, member_id)
            if member.role is MemberRole.OWNER:
                raise Conflict("the owner cannot be removed from the team")
            await uow.members.remove(client_id, member_id)
            await release_stock(uow, client_id, Resource.TEAM_MEMBERS, 1)
            await write_audit(
                uow, event_id=AuditEventId(self.ids.new_id()), at=self.clock.now(), principal=principal,
                action="member.remove", client_id=client_id, details={"email": member.email},
            )  # fmt: skip
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class ListMembers:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[Member]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            members = await uow.members.list_for_client(client_id)
        return paginate(members, page, lambda m: m.id)
