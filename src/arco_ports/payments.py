"""The payment provider: customers, checkout, self-service portal and subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import ClientId
from arco_domain.model.billing import BillingEvent, SubscriptionSnapshot
from arco_domain.model.tiers import Tier


class PaymentGateway(Protocol):
    """Every mutating call is idempotent: the adapter derives an idempotency key from the client and
    the intent, so a retried call never creates a second customer or session. Provider failures
    surface as domain errors (`ValidationError` for refused input, `ArcoError` otherwise)."""

    async def ensure_customer(self, client_id: ClientId, *, email: str, name: str) -> str:
        """The provider's customer id for the client, created on first use."""
        ...

    async def checkout_url(self, client_id: ClientId, customer_id: str, *, tier: Tier, return_url: str) -> str:
        """A hosted checkout page that subscribes the customer to `tier`'s price."""
        ...

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        """A hosted page where the customer manages payment methods, invoices and cancellation."""
        ...

    async def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription as the provider holds it now."""
        ...

    async def events_since(self, since: datetime) -> Sequence[BillingEvent]:
        """Every event the provider created at or after `since` (it keeps 30 days), oldest first, for
        reconciling notifications that were never delivered."""
        ...

    def parse_event(self, payload: bytes, signature: str) -> BillingEvent:
        """The event in a webhook delivery, once its signature proves it came from the provider; raises
        `Unverified` for a bad, stale or missing signature and changes nothing."""
        ...
