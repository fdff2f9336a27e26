"""Clients (the agency's customers), the people who use ARCO, and client team membership."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.notifications import Language
from arco_domain.model.quotas import BillingPeriod, quota_period_key
from arco_domain.model.sla import BusinessCalendar, SlaPolicy
from arco_domain.model.tiers import Resource, Tier, effective_limit, plan_for

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")

DEFAULT_TIME_ZONE = "America/Sao_Paulo"
"""A client's time zone until the agency sets another: the agency and most of its clients are in Brazil."""


def client_zone(name: str) -> ZoneInfo:
    """The time zone called `name` in the IANA database, or `ValidationError` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"{name!r} is not a known time zone", field="time_zone") from error


class UserType(StrEnum):
    """A client user, or one of the agency's staff roles (what each may do is in `model/access.py`)."""

    CLIENT = "client"
    ADMIN = "admin"
    DEVELOPER = "developer"
    SUPPORT = "support"

    @property
    def is_staff(self) -> bool:
        return self is not UserType.CLIENT


class MemberRole(StrEnum):
    """A client user's place on the team: the owner also runs the team, billing and ad accounts."""

    OWNER = "owner"
    MEMBER = "member"


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


class SubscriptionStatus(StrEnum):
    """Mirrors the billing provider's subscription states that change what a client gets."""

    ACTIVE = "active"
    TRIALING = "trialing"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    INCOMPLETE = "incomplete"


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationError(f"{raw!r} is not an e-mail address", field="email")
    return email


@dataclass(slots=True)
class User:
    id: UserId
    email: str
    user_type: UserType
    created_at: datetime
    full_name: str | None = None
    password_hash: str | None = None
    """Only for ARCO's own sign-in; users of an external identity provider have none."""
    language: Language = Language.PT_BR
    """The language ARCO writes to this user in."""


@dataclass(frozen=True, slots=True)
class BillingAccount:
    """The client's customer record at the payment provider and the newest subscription state applied."""

    customer_id: str
    subscription_id: str | None = None
    observed_at: datetime | None = None
    """When the provider described the subscription state now applied; older descriptions are ignored."""
    past_due_since: datetime | None = None
    cancel_at_period_end: bool = False


@dataclass(slots=True)
class Client:
    """A customer account: its tier, contract overrides and billing period decide its quotas."""

    id: ClientId
    name: str
    tier: Tier
    created_at: datetime
    custom_limits: dict[Resource, int | None] = field(default_factory=dict)
    billing_period: BillingPeriod | None = None
    subscription_status: SubscriptionStatus | None = None
    billing: BillingAccount | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    """The IANA name of the zone whose calendar the client lives by: its months (dashboard, ticket quota
    periods, reports) start at midnight there."""

    def __post_init__(self) -> None:
        client_zone(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return client_zone(self.time_zone)

    def limit(self, resource: Resource) -> int | None:
        return effective_limit(self.tier, self.custom_limits, resource)

    def quota_period(self, resource: Resource, moment: datetime) -> str:
        """The usage key's period for `resource` at `moment` (see `quota_period_key`)."""
        return quota_period_key(resource, moment, self.billing_period, self.zone)

    def sla_policy(self, calendar: BusinessCalendar | None) -> SlaPolicy:
        plan = plan_for(self.tier)
        return SlaPolicy(plan.first_response_sla, plan.resolution_target, calendar)


@dataclass(slots=True)
class Member:
    """A seat on a client's team. Pending invitations hold a seat, so invites cannot overbook."""

    id: MemberId
    client_id: ClientId
    email: str
    role: MemberRole
    status: MemberStatus
    created_at: datetime
    user_id: UserId | None = None
    full_name: str | None = None
