"""`StripePaymentGateway`: the payment port over Stripe's API, with the official SDK's async client.

Each gateway owns one `StripeClient` (its own key, pinned API version and httpx connection pool, closed by
`aclose`); none of the SDK's module globals is set. Stripe's failures leave this module as domain errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from stripe import (
    APIConnectionError,
    APIError,
    HTTPXClient,
    IdempotencyError,
    InvalidRequestError,
    RateLimitError,
    StripeClient,
    StripeError,
)
from stripe.params import EventListParams

from arco_adapters.stripe.events import billing_event
from arco_adapters.stripe.webhooks import read_moment, subscription_snapshot, verify_event
from arco_domain.errors import ArcoError, Conflict, NotFound, ProviderError, Unavailable, ValidationError
from arco_domain.ids import ClientId
from arco_domain.model.billing import BillingEvent, SubscriptionSnapshot
from arco_domain.model.tiers import Tier
from arco_ports.clock import Clock

API_VERSION = "2026-10-28.endive"
"""The Stripe API version every request asks for, whatever the SDK's default: response shapes (the billing
period on subscription items, for one) stay what this adapter reads until it is changed here on purpose."""

CLIENT_METADATA = "arco_client_id"
"""The metadata key that ties Stripe customers, sessions and subscriptions to an ARCO client."""

CHECKOUT_KEY_BUCKET = timedelta(hours=1)
"""How long one checkout intent keeps its idempotency key. See `checkout_idempotency_key`."""

EVENTS_PAGE = 100


class PaymentProviderError(ProviderError):
    """Stripe refused a request for a reason the caller cannot fix (a revoked key, a missing permission)."""

    code = "payment-provider-error"


def checkout_idempotency_key(
    client_id: ClientId, tier: Tier, *, customer_id: str, price: str, return_url: str, now: datetime
) -> str:
    """The idempotency key of "this client buys this tier", the same throughout one fixed UTC hour.

    Stripe replays the first response to a key for at least 24 hours, and a Checkout Session expires 24 hours
    after it is created. Keying the intent by a fixed UTC hour (not a rolling window) makes a double click, a
    retried request or a second tab within the hour return the session already created, which then still
    has 23 hours or more to run; a whole-day bucket could hand back a session minutes before it expires.
    The customer, price and return URL are hashed in because Stripe refuses a key reused with other
    parameters: a changed return URL is a new intent, not an error.
    """
    width = int(CHECKOUT_KEY_BUCKET.total_seconds())
    bucket = datetime.fromtimestamp(int(now.timestamp()) // width * width, UTC)
    parameters = hashlib.sha256(f"{customer_id}\n{price}\n{return_url}".encode()).hexdigest()[:16]
    return f"checkout-{client_id}-{tier.value}-{bucket:%Y%m%dT%H%M}-{parameters}"


class StripePaymentGateway:
    """The `PaymentGateway` port on Stripe. `prices` maps each tier sold at checkout to its Stripe price id."""

    def __init__(
        self,
        secret_key: str,
        *,
        prices: Mapping[Tier, str],
        clock: Clock,
        webhook_secret: str = "",
        api_base: str | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        max_network_retries: int = 2,
    ) -> None:
        tiers = {price: tier for tier, price in prices.items()}
        if len(tiers) != len(prices) or not all(tiers):
            raise ValueError("every tier needs its own, non-empty Stripe price id")
        self._prices = dict(prices)
        self._tiers = tiers
        self._clock = clock
        self._webhook_secret = webhook_secret
        self._http = HTTPXClient(timeout=httpx.Timeout(timeout, connect=connect_timeout))
        self._stripe = StripeClient(
            secret_key,
            stripe_version=API_VERSION,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http,
        )

    def parse_event(self, payload: bytes, signature: str) -> BillingEvent:
        return billing_event(verify_event(payload, signature, self._webhook_secret), self._tiers)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.close_async()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated

    async def ensure_customer(self, client_id: ClientId, *, email: str, name: str) -> str:
        # Search is eventually consistent (a new customer shows up within about a minute); the fixed
        # idempotency key covers that gap, since Stripe answers a repeated create with the first customer.
        with _translated():
            found = await self._stripe.v1.customers.search_async(
                {"query": f"metadata['{CLIENT_METADATA}']:'{client_id}'", "limit": 10}
            )
            if found.data:
                return min(found.data, key=lambda customer: (customer.created, customer.id)).id
            created = await self._stripe.v1.customers.create_async(
                {"email": email, "name": name, "metadata": {CLIENT_METADATA: str(client_id)}},
                {"idempotency_key": f"customer-{client_id}"},
            )
        return created.id

    async def checkout_url(self, client_id: ClientId, customer_id: str, *, tier: Tier, return_url: str) -> str:
        price = self._prices.get(tier)
        if price is None:
            raise ValidationError(f"the {tier} tier has no price to check out", field="tier")
        metadata = {CLIENT_METADATA: str(client_id), "arco_tier": tier.value}
        key = checkout_idempotency_key(
            client_id, tier, customer_id=customer_id, price=price, return_url=return_url, now=self._clock.now()
        )
        with _translated():
            session = await self._stripe.v1.checkout.sessions.create_async(
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": str(client_id),
                    "line_items": [{"price": price, "quantity": 1}],
                    "success_url": return_url,
                    "cancel_url": return_url,
                    "metadata": metadata,
                    # Carried by every subscription event, so that each one names its client.
                    "subscription_data": {"metadata": metadata},
                },
                {"idempotency_key": key},
            )
        return _url_of(session.url, "checkout session")

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        # A portal session changes nothing at Stripe and expires within minutes, so no key is derived:
        # the SDK's own key per call keeps its retries from opening a second session.
        with _translated():
            session = await self._stripe.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        return _url_of(session.url, "portal session")

    async def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        observed_at = read_moment(self._clock.now())
        with _translated("subscription", subscription_id):
            found = await self._stripe.v1.subscriptions.retrieve_async(subscription_id)
        return subscription_snapshot(found.to_dict(for_json=True), self._tiers, observed_at)

    async def events_since(self, since: datetime) -> Sequence[BillingEvent]:
        params: EventListParams = {"created": {"gte": int(since.timestamp())}, "limit": EVENTS_PAGE}
        newest_first: list[dict[str, Any]] = []
        while True:
            with _translated():
                page = await self._stripe.v1.events.list_async(params)
            newest_first.extend(event.to_dict(for_json=True) for event in page.data)
            if not page.has_more or not page.data:
                break
            params["starting_after"] = page.data[-1].id
        return [billing_event(raw, self._tiers) for raw in reversed(newest_first)]


def _url_of(url: str | None, what: str) -> str:
    if not url:
        raise PaymentProviderError(f"Stripe returned a {what} without a URL")
    return url


@contextmanager
def _translated(kind: str | None = None, key: str | None = None) -> Iterator[None]:
    """Stripe's errors as domain errors: `kind`/`key` name the object a missing resource refers to."""
    try:
        yield
    except StripeError as error:
        raise _domain_error(error, kind, key) from error


def _domain_error(error: StripeError, kind: str | None, key: str | None) -> ArcoError:
    message = error.user_message or "no details"
    if isinstance(error, APIConnectionError | RateLimitError):
        return Unavailable("the payment provider cannot be reached; try again later")
    if isinstance(error, IdempotencyError):
        return Conflict(f"the payment provider refused a repeated request: {message}")
    if isinstance(error, InvalidRequestError):
        if error.code == "resource_missing" and kind is not None:
            return NotFound(kind, key)
        return ValidationError(f"the payment provider refused the request: {message}")
    status = error.http_status
    if isinstance(error, APIError) and (status is None or status >= 500 or status == 409):
        return Unavailable("the payment provider is failing; try again later")
    return PaymentProviderError(f"the payment provider refused the request: {message}")
