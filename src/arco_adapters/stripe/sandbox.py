"""A stand-in for Stripe that needs no account: hosted pages are ARCO's own sandbox routes, and the
subscription changes they make arrive as Stripe-shaped events, signed with the webhook secret and
delivered to ARCO's webhook endpoint — the same path real events take.

Its state (subscriptions, the events it sent) lives in a `SandboxBillingStore`, in the database, so any number
of server processes act as one provider: a checkout link issued by one process can be paid on another, and the
webhook that follows may reach a third.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from arco_adapters.stripe.events import billing_event
from arco_adapters.stripe.webhooks import read_moment, sign_payload, subscription_snapshot, verify_event
from arco_domain.errors import NotFound, ValidationError
from arco_domain.ids import ClientId
from arco_domain.model.billing import BillingEvent, SubscriptionSnapshot
from arco_domain.model.tiers import Tier
from arco_ports.clock import Clock

Deliver = Callable[[bytes, str], Awaitable[object]]
"""Sends a signed event (body, Stripe-Signature header) to the webhook endpoint."""

PERIOD = timedelta(days=30)


class SandboxBillingStore(Protocol):
    """The sandbox provider's memory: Stripe-shaped subscriptions by id and every event it sent. Each call is
    atomic on its own."""

    async def save_subscription(self, subscription: Mapping[str, Any]) -> bool:
        """Store the subscription under its `id`, replacing any earlier one; `True` if none was there."""
        ...

    async def subscription(self, subscription_id: str) -> dict[str, Any] | None: ...

    async def cancel_subscriptions(self, customer: str) -> Sequence[dict[str, Any]]:
        """Set every subscription of `customer` that is not canceled to `canceled` and return those, as they are
        now: of two concurrent calls, only one returns a given subscription."""
        ...

    async def add_event(self, event: Mapping[str, Any], created_at: datetime) -> None: ...

    async def events_since(self, since: datetime) -> Sequence[dict[str, Any]]:
        """The events created at or after `since`, in the order they were added."""
        ...


class SandboxPaymentGateway:
    def __init__(
        self,
        *,
        webhook_secret: str,
        public_url: str,
        prices: Mapping[Tier, str],
        clock: Clock,
        deliver: Deliver,
        store: SandboxBillingStore,
    ) -> None:
        self._secret = webhook_secret
        self._public_url = public_url.rstrip("/")
        self._prices = dict(prices)
        self._tiers = {price: tier for tier, price in prices.items()}
        self._clock = clock
        self._deliver = deliver
        self._store = store

    # --- the PaymentGateway port ---------------------------------------------------------------------

    async def ensure_customer(self, client_id: ClientId, *, email: str, name: str) -> str:
        return f"cus_sandbox_{client_id.hex[:24]}"

    async def checkout_url(self, client_id: ClientId, customer_id: str, *, tier: Tier, return_url: str) -> str:
        token = self._seal(
            {"client": str(client_id), "customer": customer_id, "tier": tier.value, "return": return_url}
        )
        return f"{self._public_url}/sandbox/checkout/{token}"

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        return f"{self._public_url}/sandbox/portal/{self._seal({'customer': customer_id, 'return': return_url})}"

    async def subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        found = await self._store.subscription(subscription_id)
        if found is None:
            raise NotFound("subscription", subscription_id)
        return subscription_snapshot(found, self._tiers, read_moment(self._clock.now()))

    async def events_since(self, since: datetime) -> Sequence[BillingEvent]:
        return [billing_event(event, self._tiers) for event in await self._store.events_since(since)]

    def parse_event(self, payload: bytes, signature: str) -> BillingEvent:
        return billing_event(verify_event(payload, signature, self._secret), self._tiers)

    # --- the hosted pages ----------------------------------------------------------------------------

    async def complete_checkout(self, token: str) -> str:
        """What paying on the hosted checkout does: an active subscription, announced by events."""
        order = self._open(token)
        now = self._clock.now()
        subscription_id = f"sub_sandbox_{order['client'].replace('-', '')[:24]}"
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "customer": order["customer"],
            "status": "active",
            "cancel_at_period_end": False,
            "metadata": {"arco_client_id": order["client"]},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{subscription_id}",
                        "object": "subscription_item",
                        "price": {"id": self._prices[Tier(order["tier"])], "object": "price"},
                        "current_period_start": int(now.timestamp()),
                        "current_period_end": int((now + PERIOD).timestamp()),
                    }
                ],
            },
        }
        created = await self._store.save_subscription(subscription)
        session = {
            "id": f"cs_sandbox_{secrets.token_hex(8)}",
            "object": "checkout.session",
            "mode": "subscription",
            "customer": order["customer"],
            "client_reference_id": order["client"],
            "subscription": subscription_id,
            "status": "complete",
        }
        await self._emit("checkout.session.completed", session)
        await self._emit("customer.subscription.created" if created else "customer.subscription.updated", subscription)
        return str(order["return"])

    async def cancel_subscription(self, token: str) -> str:
        """What cancelling in the hosted portal does: the subscription ends now."""
        request = self._open(token)
        for subscription in await self._store.cancel_subscriptions(request["customer"]):
            await self._emit("customer.subscription.deleted", subscription)
        return str(request["return"])

    async def _emit(self, kind: str, obj: Mapping[str, Any]) -> None:
        moment = self._clock.now()
        now = int(moment.timestamp())
        event = {
            "id": f"evt_sandbox_{secrets.token_hex(12)}",
            "object": "event",
            "type": kind,
            "created": now,
            "livemode": False,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        await self._store.add_event(event, moment)
        body = json.dumps(event).encode()
        await self._deliver(body, sign_payload(body, self._secret, now))

    # Tokens carry the page's order, signed so that nobody can forge a subscription through the sandbox.

    def _seal(self, content: Mapping[str, str]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(content).encode()).rstrip(b"=")
        mac = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
        return f"{body.decode()}.{mac}"

    def _open(self, token: str) -> dict[str, str]:
        body, _, mac = token.partition(".")
        expected = hmac.new(self._secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            raise ValidationError("this sandbox link was not issued here", field="token")
        content: dict[str, str] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return content
