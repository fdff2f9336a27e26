"""Billing: the client's subscription, checkout and portal, and the payment provider's webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from arco_domain.model.access import Principal
from arco_domain.use_cases.billing import OpenBillingPortal, ReceiveBillingWebhook, StartCheckout
from arco_domain.use_cases.clients import GetClient
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.schemas.billing import Billing, CheckoutCreate, PortalCreate, RedirectUrl, WebhookReceipt
from arco_entrypoints.http.throttle import RATE_LIMIT
from arco_entrypoints.observability.metrics import WEBHOOK_PROVIDER, ServiceMetrics


def _return_url(request: Request[Any, Any, Any], given: str | None) -> str:
    return given or str(request.app.state.public_url) + "/v1/billing"


class BillingController(Controller):
    path = "/v1/billing"
    tags = ["billing"]

    @get("/", operation_id="getBilling")
    async def billing(self, caller: NamedDependency[Principal], get_client: NamedDependency[GetClient]) -> Billing:
        """The caller's tier, subscription status and current billing period."""
        return Billing.of(await get_client(caller, caller.own_client()))

    @post("/checkout", operation_id="startCheckout", status_code=200)
    async def checkout(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Principal],
        data: JSONBody[CheckoutCreate],
        start_checkout: NamedDependency[StartCheckout],
    ) -> RedirectUrl:
        """A hosted checkout page that subscribes the caller's client to `basic` or `pro`."""
        return RedirectUrl(
            url=await start_checkout(caller, tier=data.tier, return_url=_return_url(request, data.return_url))
        )

    @post("/portal", operation_id="openBillingPortal", status_code=200)
    async def portal(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Principal],
        data: JSONBody[PortalCreate],
        open_billing_portal: NamedDependency[OpenBillingPortal],
    ) -> RedirectUrl:
        """The provider's page for payment methods, invoices and cancellation."""
        return RedirectUrl(url=await open_billing_portal(caller, return_url=_return_url(request, data.return_url)))


class StripeWebhookController(Controller):
    path = "/webhooks"
    tags = ["billing"]

    @post(
        "/stripe", operation_id="stripeWebhook", status_code=200,
        opt={PUBLIC: True, RATE_LIMIT: None, WEBHOOK_PROVIDER: "stripe"},
    )  # fmt: skip
    async def stripe(
        self,
        request: Request[Any, Any, Any],
        receive_billing_webhook: NamedDependency[ReceiveBillingWebhook],
        now: NamedDependency[datetime],
    ) -> WebhookReceipt:
        """Stripe's events. The `Stripe-Signature` header is the authentication: a bad or stale one is a
        `400` and changes nothing; a replayed event is acknowledged and changes nothing."""
        handled = await receive_billing_webhook(await request.body(), request.headers.get("stripe-signature", ""))
        metrics: ServiceMetrics = request.app.state.metrics
        metrics.count_webhook_event("stripe", handled.outcome, (now - handled.event.created).total_seconds())
        return WebhookReceipt(received=True, outcome=handled.outcome)
