"""Stripe webhooks: the signature check, and the one translation of a Stripe subscription into ARCO's terms.

The signature is checked by the SDK's `WebhookSignature.verify_header`, the check `Webhook.construct_event`
runs before it builds an `Event`. ARCO wants the event as plain data, not an SDK object bound to an API
client, so it verifies and parses without building one. The SDK's check only refuses signatures that are
too old and reads the system clock; the recency window here is checked against `now` in both directions,
so a timestamp further in the future than the tolerance is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from stripe import SignatureVerificationError, WebhookSignature

from arco_domain.errors import Unverified, ValidationError
from arco_domain.model.billing import SubscriptionSnapshot
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE = 300
"""Seconds a signature stays acceptable, either way of now (Stripe's own default)."""

STATUSES: Mapping[str, SubscriptionStatus] = {
    "active": SubscriptionStatus.ACTIVE,
    "trialing": SubscriptionStatus.TRIALING,
    "past_due": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "unpaid": SubscriptionStatus.UNPAID,
    "incomplete": SubscriptionStatus.INCOMPLETE,
    # The first payment never succeeded within 23 hours: Stripe will not charge it again.
    "incomplete_expired": SubscriptionStatus.CANCELED,
    # A trial ended without a payment method: nothing is paid until the customer resumes it.
    "paused": SubscriptionStatus.UNPAID,
}
"""Stripe's subscription statuses in ARCO's terms."""


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """A `Stripe-Signature` header for `payload`, built exactly as Stripe builds it."""
    signed = b"%d." % timestamp + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> dict[str, Any]:
    """The event Stripe sent, once its signature is proven; `ValidationError` on `Stripe-Signature` otherwise.

    Refused: a missing or unreadable header, a signature made with another secret or over other bytes, a
    timestamp more than `tolerance` seconds before or after `now` (default: the system clock), and a
    signed body that is not a Stripe event.
    """
    try:
        WebhookSignature.verify_header(payload, signature_header, secret, tolerance=None)
    except (SignatureVerificationError, UnicodeDecodeError) as error:
        raise Unverified("the webhook signature does not match its payload", field=SIGNATURE_HEADER) from error
    assert signature_header is not None  # the SDK refuses a missing header
    signed_at = _timestamp(signature_header)
    moment = int(time.time()) if now is None else now
    if abs(moment - signed_at) > tolerance:
        raise Unverified(
            f"the webhook signature is {moment - signed_at} s old, outside the {tolerance} s tolerance",
            field=SIGNATURE_HEADER,
        )
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise Unverified("the signed webhook payload is not JSON", field=SIGNATURE_HEADER) from error
    if not _is_event(event):
        raise Unverified("the signed webhook payload is not a Stripe event", field=SIGNATURE_HEADER)
    return event


def subscription_snapshot(
    obj: Mapping[str, Any], prices: Mapping[str, Tier], observed_at: datetime
) -> SubscriptionSnapshot:
    """A Stripe subscription object as ARCO sees it; `prices` maps Stripe price ids to tiers.

    The tier is the first item whose price ARCO sells (`None` when no price is known). The billing period
    is that item's `current_period_start/end`, where current API versions keep it; objects rendered for
    older versions (events keep the version they were created with) have it on the subscription itself.
    """
    raw_status = _text(obj, "status")
    status = STATUSES.get(raw_status)
    if status is None:
        raise ValidationError(f"unknown Stripe subscription status {raw_status!r}", field="status")
    items = _items(obj)
    priced = [item for item in items if _price_id(item) in prices]
    item = priced[0] if priced else (items[0] if items else {})
    price = _price_id(item)
    return SubscriptionSnapshot(
        subscription_id=_text(obj, "id"),
        customer_id=_reference(obj.get("customer"), "customer"),
        status=status,
        tier=prices.get(price) if price is not None else None,
        period=_period(item) or _period(obj),
        cancel_at_period_end=obj.get("cancel_at_period_end") is True,
        observed_at=observed_at,
    )


def read_moment(now: datetime) -> datetime:
    """The time to stamp on a subscription read at `now`. Events are stamped in whole seconds, and a read
    during second S may miss a change Stripe stamps S, so the read counts as of the second before: an
    event from the same second still counts as newer."""
    return now.replace(microsecond=0) - timedelta(seconds=1)


def instant(seconds: int) -> datetime:
    """A Stripe timestamp (Unix seconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def _timestamp(header: str) -> int:
    # Read as the SDK reads it: the first `t=` element.
    parts = [element.split("=", 2) for element in header.split(",")]
    return int(next(part[1] for part in parts if part[0] == "t"))


def _is_event(value: object) -> TypeGuard[dict[str, Any]]:
    if not isinstance(value, dict):
        return False
    data = value.get("data")
    return (
        isinstance(value.get("id"), str)
        and isinstance(value.get("type"), str)
        and _is_seconds(value.get("created"))
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def _is_seconds(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"the Stripe subscription has no {key}", field=key)
    return value


def _reference(value: object, key: str) -> str:
    """An id that Stripe sends either as a string or, when expanded, as the object itself."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if not isinstance(value, str) or not value:
        raise ValidationError(f"the Stripe subscription has no {key}", field=key)
    return value


def _items(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    listing = obj.get("items")
    data = listing.get("data") if isinstance(listing, Mapping) else None
    return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []


def _price_id(item: Mapping[str, Any]) -> str | None:
    price = item.get("price")
    if isinstance(price, Mapping):
        price = price.get("id")
    return price if isinstance(price, str) else None


def _period(source: Mapping[str, Any]) -> BillingPeriod | None:
    start, end = source.get("current_period_start"), source.get("current_period_end")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        return None
    return BillingPeriod(instant(start), instant(end))
