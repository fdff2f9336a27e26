"""Stripe event payloads, reduced to the domain's `BillingEvent`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from arco_adapters.stripe.webhooks import subscription_snapshot
from arco_domain.ids import ClientId
from arco_domain.model.billing import BillingEvent
from arco_domain.model.tiers import Tier


def _client_reference(value: object) -> ClientId | None:
    try:
        return ClientId(UUID(str(value))) if value else None
    except ValueError:
        return None


def _id_of(value: object) -> str | None:
    """A reference that Stripe sends either as an id or, expanded, as the object itself."""
    if isinstance(value, dict):
        found = value.get("id")
        return str(found) if found else None
    return str(value) if value else None


def billing_event(event: Mapping[str, Any], prices: Mapping[str, Tier]) -> BillingEvent:
    """Translate a verified Stripe event. Subscription events carry the state, ordered by the event's
    creation time; checkout sessions and invoices only name their subscription."""
    created = datetime.fromtimestamp(int(event["created"]), UTC)
    kind = str(event["type"])
    obj: Mapping[str, Any] = event.get("data", {}).get("object", {}) or {}
    customer = _id_of(obj.get("customer"))
    if kind.startswith("customer.subscription."):
        snapshot = subscription_snapshot(dict(obj), prices, created)
        return BillingEvent(str(event["id"]), kind, created, customer, subscription=snapshot)
    return BillingEvent(
        id=str(event["id"]),
        type=kind,
        created=created,
        customer_id=customer,
        client_reference=_client_reference(
            obj.get("client_reference_id") or (obj.get("metadata") or {}).get("arco_client_id")
        ),
        subscription_id=_id_of(obj.get("subscription"))
        if obj.get("object") in ("checkout.session", "invoice")
        else None,
    )
