"""Team member bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arco_domain.model.clients import Member as MemberEntity
from arco_domain.model.clients import MemberRole, MemberStatus
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.common import Email, Name


class MemberCreate(Schema):
    """An invitation: the role is always `member` and the team is always the caller's."""

    email: Email
    full_name: Name | None = None


class Member(Schema):
    id: UUID
    email: str
    full_name: str | None
    role: MemberRole
    status: MemberStatus
    user_id: UUID | None
    created_at: datetime

    @classmethod
    def from_entity(cls, member: MemberEntity) -> Member:
        return cls(
            id=member.id,
            email=member.email,
            full_name=member.full_name,
            role=member.role,
            status=member.status,
            user_id=member.user_id,
            created_at=member.created_at,
        )
