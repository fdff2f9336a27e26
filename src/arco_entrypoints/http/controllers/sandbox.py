"""The sandbox's stand-ins for Stripe's hosted pages (mounted only when billing runs in sandbox mode)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from arco_adapters.stripe.sandbox import SandboxPaymentGateway
from arco_entrypoints.http.auth import PUBLIC


class SandboxController(Controller):
    path = "/sandbox"
    tags = ["sandbox"]
    include_in_schema = False

    @get("/checkout/{token:str}", operation_id="sandboxCheckout", opt={PUBLIC: True})
    async def checkout(self, token: FromPath[str], payment_gateway: NamedDependency[SandboxPaymentGateway]) -> Redirect:
        """Pay: the subscription starts, its events reach the webhook, and the browser goes back."""
        return Redirect(path=await payment_gateway.complete_checkout(token))

    @get("/portal/{token:str}", operation_id="sandboxPortal", opt={PUBLIC: True})
    async def portal(
        self, request: Request[Any, Any, Any], token: FromPath[str],
        payment_gateway: NamedDependency[SandboxPaymentGateway], action: FromQuery[str | None] = None,
    ) -> Redirect | dict[str, str]:  # fmt: skip
        """`?action=cancel` ends the subscription now; without it, the page lists what it can do."""
        if action == "cancel":
            return Redirect(path=await payment_gateway.cancel_subscription(token))
        return {"cancel": f"{request.url.path}?action=cancel"}
