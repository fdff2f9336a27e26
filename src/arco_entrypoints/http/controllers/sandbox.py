"""The sandbox's stand-ins for Stripe's hosted pages (mounted only when billing runs in sandbox mode)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.providing import resolve


class SandboxController(Controller):
    path = "/sandbox"
    tags = ["sandbox"]
    include_in_schema = False

    @get("/checkout/{token:str}", operation_id="sandboxCheckout", opt={PUBLIC: True})
    async def checkout(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Redirect:
        """Pay: the subscription starts, its events reach the webhook, and the browser goes back."""
        gateway = await resolve(request.app.state.container.payment_gateway)
        return Redirect(path=await gateway.complete_checkout(token))

    @get("/portal/{token:str}", operation_id="sandboxPortal", opt={PUBLIC: True})
    async def portal(
        self, request: Request[Any, Any, Any], token: FromPath[str], action: FromQuery[str | None] = None
    ) -> Redirect | dict[str, str]:
        """`?action=cancel` ends the subscription now; without it, the page lists what it can do."""
        gateway = await resolve(request.app.state.container.payment_gateway)
        if action == "cancel":
            return Redirect(path=await gateway.cancel_subscription(token))
        return {"cancel": f"{request.url.path}?action=cancel"}
