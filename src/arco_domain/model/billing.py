"""What ARCO knows of a client's subscription at the payment provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier


@dataclass(frozen=True, slots=True)
class SubscriptionSnapshot:
    """A subscription as the provider last described it. `observed_at` orders snapshots."""

    subscription_id: str
    customer_id: str
    status: SubscriptionStatus
    tier: Tier | None
    period: BillingPeriod | None
    cancel_at_period_end: bool
    observed_at: datetime
