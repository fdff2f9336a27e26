"""Who is calling, what their role lets them do, and which client's data a unit of work may touch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from arco_domain.errors import NotFound, PermissionDenied
from arco_domain.ids import ClientId, UserId
from arco_domain.model.clients import MemberRole, User, UserType


class Capability(StrEnum):
    """Something only some roles may do. Reading the areas of a client in reach needs none."""

    CHANGE_PLANS = "change_plans"
    """Change any client's tier or custom limits."""
    SEE_ALL_CLIENTS = "see_all_clients"
    """List every client and read any client's areas."""
    WORK_TICKETS = "work_tickets"
    """Answer any client's tickets as the agency: replies, internal notes, status moves."""
    EDIT_CLIENT_AREAS = "edit_client_areas"
    """Create, change and delete projects, milestones, domains and DNS records."""
    MANAGE_TEAM = "manage_team"
    """Invite and remove a client's team members."""
    MANAGE_BILLING = "manage_billing"
    """Buy a tier (checkout) and manage the subscription (billing portal)."""
    MANAGE_AD_ACCOUNTS = "manage_ad_accounts"
    """Connect and disconnect a client's ad accounts."""


Role = UserType | MemberRole
"""A staff user's type, or a client user's place on its team."""

_STAFF_WORK = frozenset({Capability.SEE_ALL_CLIENTS, Capability.WORK_TICKETS})
_CLIENT_WORK = frozenset({Capability.EDIT_CLIENT_AREAS})

CAPABILITIES: Mapping[Role, frozenset[Capability]] = {
    UserType.ADMIN: frozenset(Capability),
    UserType.DEVELOPER: _STAFF_WORK | {Capability.EDIT_CLIENT_AREAS},
    UserType.SUPPORT: _STAFF_WORK,
    MemberRole.OWNER: _CLIENT_WORK | {Capability.MANAGE_TEAM, Capability.MANAGE_BILLING, Capability.MANAGE_AD_ACCOUNTS},
    MemberRole.MEMBER: _CLIENT_WORK,
}
"""The role table (SPEC 10a): what each role may do beyond reading what is in its reach."""


def roles_with(capability: Capability) -> tuple[Role, ...]:
    return tuple(role for role, held in CAPABILITIES.items() if capability in held)


class CapabilityMissing(PermissionDenied):
    """The caller's role does not hold `capability`; `allowed` names the roles that do."""

    def __init__(self, role: Role, capability: Capability) -> None:
        self.role = role
        self.capability = capability
        self.allowed = roles_with(capability)
        super().__init__(f"the {role} role lacks {capability} (held by: {', '.join(self.allowed)})")

    def facts(self) -> dict[str, Any]:
        allowed = [role.value for role in self.allowed]
        return {"capability": self.capability.value, "role": self.role.value, "allowed": allowed}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a user is for the rest of the session: what a token carries."""

    user: User
    client_id: ClientId | None
    client_role: MemberRole | None = None
    """The user's place on the client's team; unknown (`None`) reads as a plain member."""

    def principal(self) -> Principal:
        """The caller this identity signs in as."""
        return Principal(self.user.id, self.user.user_type, self.client_id, client_role=self.client_role)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. Client users belong to one client; staff may act on any.

    A client user whose team role is unknown (`client_role=None`) is treated as a plain member.
    """

    user_id: UserId
    user_type: UserType
    client_id: ClientId | None = None
    impersonator_id: UserId | None = None
    client_role: MemberRole | None = None

    @property
    def is_staff(self) -> bool:
        return self.user_type.is_staff

    @property
    def role(self) -> Role:
        if self.is_staff:
            return self.user_type
        return self.client_role or MemberRole.MEMBER

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES[self.role]

    def require(self, capability: Capability) -> None:
        """Raise `CapabilityMissing` unless the caller's role holds `capability`."""
        if not self.can(capability):
            raise CapabilityMissing(self.role, capability)

    def client_in_reach(self, client_id: ClientId) -> ClientId:
        """`client_id` if the caller may act on it. Another client's data is reported as absent."""
        if self.can(Capability.SEE_ALL_CLIENTS) or self.client_id == client_id:
            return client_id
        raise NotFound("client", client_id)

    def own_client(self) -> ClientId:
        if self.client_id is None:
            raise PermissionDenied("this operation needs a client account")
        return self.client_id

    def require_staff(self) -> None:
        if not self.is_staff:
            raise PermissionDenied("agency staff only")


@dataclass(frozen=True, slots=True)
class DataScope:
    """The rows a unit of work may see: one client's, or every client's (staff and scheduled jobs)."""

    client_id: ClientId | None

    @classmethod
    def of_client(cls, client_id: ClientId) -> DataScope:
        return cls(client_id)

    @classmethod
    def all_clients(cls) -> DataScope:
        return cls(None)
