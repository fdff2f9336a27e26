"""Billing bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from arco_domain.model.clients import Client, SubscriptionStatus
from arco_domain.model.tiers import Tier
from arco_entrypoints.http.schemas.base import Schema

ReturnUrl = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000, pattern=r"^https?://")]


class CheckoutCreate(Schema):
    tier: Tier
    return_url: ReturnUrl | None = None


class PortalCreate(Schema):
    return_url: ReturnUrl | None = None


class RedirectUrl(Schema):
    url: str


class Billing(Schema):
    tier: Tier
    status: SubscriptionStatus | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    has_billing_account: bool

    @classmethod
    def of(cls, client: Client) -> Billing:
        period, account = client.billing_period, client.billing
        return cls(
            tier=client.tier,
            status=client.subscription_status,
            current_period_start=period.start if period else None,
            current_period_end=period.end if period else None,
            cancel_at_period_end=account.cancel_at_period_end if account else False,
            has_billing_account=account is not None,
        )


class WebhookReceipt(Schema):
    received: bool
    outcome: str
