"""Delivering the sandbox's signed events to ARCO's own webhook endpoint, as Stripe would."""

from __future__ import annotations

import httpx

from arco_adapters.stripe.sandbox import Deliver


def post_to_webhook(public_url: str) -> Deliver:
    endpoint = public_url.rstrip("/") + "/webhooks/stripe"

    async def deliver(body: bytes, signature: str) -> object:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                endpoint, content=body, headers={"Stripe-Signature": signature, "content-type": "application/json"}
            )
        return response.raise_for_status()

    return deliver
