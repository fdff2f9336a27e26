"""Subscriptions at the payment provider, and what their state means for a client's tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from arco_domain.ids import ClientId
from arco_domain.model.clients import BillingAccount, SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier

PAST_DUE_GRACE = timedelta(days=7)
"""How long a subscription whose payment failed keeps its tier while the provider retries the charge."""

SELF_SERVICE_TIERS = frozenset({Tier.BASIC, Tier.PRO})
"""Tiers a client can buy at checkout; enterprise is a contract set by staff."""


@dataclass(frozen=True, slots=True)
class SubscriptionSnapshot:
    """A subscription as the provider described it at `observed_at`, which orders descriptions."""

    subscription_id: str
    customer_id: str
    status: SubscriptionStatus
    tier: Tier | None
    period: BillingPeriod | None
    cancel_at_period_end: bool
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """A verified notification from the payment provider, reduced to what ARCO acts on.

    `subscription` is the state the event carries, if it carries one; `subscription_id` names the
    subscription to read afresh when it only refers to one (a completed checkout, an invoice).
    """

    id: str
    type: str
    created: datetime
    customer_id: str | None
    client_reference: ClientId | None = None
    subscription: SubscriptionSnapshot | None = None
    subscription_id: str | None = None


HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)


def is_newer(snapshot: SubscriptionSnapshot, account: BillingAccount | None) -> bool:
    """Whether `snapshot` describes the subscription later than the state already applied."""
    return account is None or account.observed_at is None or snapshot.observed_at > account.observed_at


def same_moment(snapshot: SubscriptionSnapshot, account: BillingAccount | None) -> bool:
    """Whether `snapshot` and the applied state carry the same time: the provider stamps events to the
    second, so two changes in one second cannot be ordered by their events alone."""
    return account is not None and account.observed_at == snapshot.observed_at


def past_due_since(snapshot: SubscriptionSnapshot, account: BillingAccount | None) -> datetime | None:
    """When the current run of failed payments began; `None` once the subscription is no longer past due."""
    if snapshot.status is not SubscriptionStatus.PAST_DUE:
        return None
    known = account.past_due_since if account else None
    return known or snapshot.observed_at


def tier_for(current: Tier, snapshot: SubscriptionSnapshot, overdue_since: datetime | None, now: datetime) -> Tier:
    """The tier a subscription state entitles the client to (SPEC 7).

    Paid and trialing subscriptions give their price's tier, and so does a past-due one during its grace
    period; canceled and unpaid ones fall back to free; one still incomplete changes nothing. The tier comes
    from the subscription, not from the client's tier of the moment, so the order events arrive in does
    not matter.
    """
    status = snapshot.status
    paid_tier = snapshot.tier or current
    if status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        return paid_tier
    if status is SubscriptionStatus.PAST_DUE:
        within_grace = overdue_since is not None and now - overdue_since < PAST_DUE_GRACE
        return paid_tier if within_grace else Tier.FREE
    if status in (SubscriptionStatus.CANCELED, SubscriptionStatus.UNPAID):
        return Tier.FREE
    return current
