"""Sign-up, login, the caller and the usage report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from arco_domain.model.access import Principal
from arco_domain.model.clients import Client as ClientEntity
from arco_domain.model.clients import SubscriptionStatus, UserType
from arco_domain.model.clients import User as UserEntity
from arco_domain.model.notifications import Language
from arco_domain.model.quotas import QuotaStatus
from arco_domain.model.tiers import Resource, Tier
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.common import Email, Name

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class SignUp(Schema):
    email: Email
    password: Password
    full_name: Name | None = None
    company_name: Name | None = None
    language: Language | None = None
    """The language of ARCO's e-mails to this user; by default the request's `Accept-Language`, else pt-BR."""


class SignUpAccepted(Schema):
    """The same answer whether or not the e-mail already had an account: the next step is to sign in."""

    email: str
    detail: str = "if this address can be used, its account is ready: sign in with POST /v1/auth/login"


class Login(Schema):
    email: Email
    password: Password


class User(Schema):
    id: UUID
    email: str
    full_name: str | None
    user_type: UserType

    @classmethod
    def from_entity(cls, user: UserEntity) -> User:
        return cls(id=user.id, email=user.email, full_name=user.full_name, user_type=user.user_type)


class Session(Schema):
    access_token: str
    token_type: str = "bearer"
    user: User | None = None


class Client(Schema):
    id: UUID
    name: str
    tier: Tier
    custom_limits: dict[Resource, int | None]
    subscription_status: SubscriptionStatus | None
    billing_period_start: datetime | None
    billing_period_end: datetime | None
    created_at: datetime

    @classmethod
    def from_entity(cls, client: ClientEntity) -> Client:
        period = client.billing_period
        return cls(
            id=client.id,
            name=client.name,
            tier=client.tier,
            custom_limits=dict(client.custom_limits),
            subscription_status=client.subscription_status,
            billing_period_start=period.start if period else None,
            billing_period_end=period.end if period else None,
            created_at=client.created_at,
        )


class Me(Schema):
    user_id: UUID
    user_type: UserType
    client: Client | None
    impersonated_by: UUID | None

    @classmethod
    def of(cls, caller: Principal, client: ClientEntity | None) -> Me:
        return cls(
            user_id=caller.user_id,
            user_type=caller.user_type,
            client=Client.from_entity(client) if client else None,
            impersonated_by=caller.impersonator_id,
        )


class Quota(Schema):
    resource: Resource
    used: int
    limit: int | None
    percent: Decimal | None
    over_limit: bool
    period: str

    @classmethod
    def from_status(cls, status: QuotaStatus) -> Quota:
        return cls(
            resource=status.resource,
            used=status.used,
            limit=status.limit,
            percent=status.percent,
            over_limit=status.over_limit,
            period=status.period,
        )


class Usage(Schema):
    quotas: list[Quota]
