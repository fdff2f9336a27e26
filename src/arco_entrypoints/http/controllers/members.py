"""The caller's team: members and pending invitations."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from arco_domain.ids import MemberId
from arco_domain.model.access import Principal
from arco_domain.use_cases.members import InviteMember, ListMembers, RemoveMember
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.members import Member, MemberCreate


class MemberController(Controller):
    path = "/v1/members"
    tags = ["members"]

    @get("/", operation_id="listMembers")
    async def list_members(
        self,
        caller: NamedDependency[Principal],
        list_members: NamedDependency[ListMembers],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Member]:
        """The caller's team, owner and pending invitations included, oldest first."""
        page = await list_members(caller, caller.own_client(), page_request(limit, cursor))
        return page_out(page, Member.from_entity)

    @post("/", operation_id="inviteMember")
    async def invite_member(
        self,
        caller: NamedDependency[Principal],
        data: JSONBody[MemberCreate],
        invite_member: NamedDependency[InviteMember],
    ) -> Member:
        """Invite someone to the team; the invitation holds a seat (`409 quota-exceeded` past the limit)."""
        member = await invite_member(caller, caller.own_client(), email=data.email, full_name=data.full_name)
        return Member.from_entity(member)

    @delete("/{member_id:uuid}", operation_id="removeMember")
    async def remove_member(
        self,
        caller: NamedDependency[Principal],
        member_id: FromPath[UUID],
        remove_member: NamedDependency[RemoveMember],
    ) -> None:
        """Remove a member or withdraw an invitation, freeing its seat; the owner stays (`409`)."""
        await remove_member(caller, caller.own_client(), MemberId(member_id))
