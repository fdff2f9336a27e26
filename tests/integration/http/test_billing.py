"""Billing over HTTP against a real server: signed webhooks built from Stripe's own fixtures, and the
sandbox flow from free to pro and back with nothing but HTTP calls."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arco_adapters.stripe.webhooks import sign_payload
from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import free_port, running_server, settings_for

FIXTURES = Path(__file__).parents[2] / "fixtures" / "stripe"
WEBHOOK_SECRET = "whsec_test_secret_for_signatures"
PRO_PRICE = "price_sandbox_pro"


@pytest.fixture(scope="module")
def server(database_urls: dict[str, str]) -> Iterator[str]:
    port = free_port()
    runtime = Runtime(
        settings_for(database_urls, stripe_webhook_secret=WEBHOOK_SECRET, public_url=f"http://127.0.0.1:{port}")
    )
    with running_server(runtime, port) as url:
        yield url


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=20) as client:
        yield client


def sign_up(http: httpx.Client, name: str) -> dict[str, str]:
    credentials = {"email": f"{name}-{time.time_ns()}@example.com", "password": "billing password"}
    response = http.post("/v1/auth/signup", json=credentials)
    assert response.status_code == 201, response.text
    login = http.post("/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def subscription_event(kind: str, customer: str, status: str, created: int, event_id: str) -> bytes:
    """Stripe's subscription fixture inside Stripe's event envelope, pointed at `customer`."""
    subscription = fixture("subscription")
    subscription.update(customer=customer, status=status, cancel_at_period_end=False)
    item = subscription["items"]["data"][0]
    item["price"]["id"] = PRO_PRICE
    item.update(current_period_start=created, current_period_end=created + 30 * 86400)
    event = copy.deepcopy(fixture("event"))
    event.update(id=event_id, type=kind, created=created, data={"object": subscription})
    return json.dumps(event).encode()


def deliver(http: httpx.Client, body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> httpx.Response:
    signature = sign_payload(body, secret, int(time.time()) if at is None else at)
    return http.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": signature})


def billing(http: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    response = http.get("/v1/billing", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def customer_of(http: httpx.Client, headers: dict[str, str]) -> str:
    """Start a checkout (which opens the client's customer record) and return the customer id."""
    started = http.post("/v1/billing/checkout", json={"tier": "pro"}, headers=headers)
    assert started.status_code == 200, started.text
    me = http.get("/v1/me", headers=headers).json()
    return f"cus_sandbox_{me['client']['id'].replace('-', '')[:24]}"


class TestSandboxFlow:
    def test_a_client_goes_from_free_to_pro_and_back_over_http_alone(self, http: httpx.Client) -> None:
        headers = sign_up(http, "flow")
        assert billing(http, headers)["tier"] == "free"
        checkout = http.post("/v1/billing/checkout", json={"tier": "pro"}, headers=headers).json()["url"]
        paid = http.get(checkout, follow_redirects=False)
        assert paid.status_code in (302, 303), paid.text
        after = billing(http, headers)
        assert (after["tier"], after["status"], after["has_billing_account"]) == ("pro", "active", True)
        assert after["current_period_start"] is not None
        tickets = next(
            q for q in http.get("/v1/usage", headers=headers).json()["quotas"] if q["resource"] == "support_tickets"
        )
        assert tickets["limit"] == 60 and tickets["period"].startswith("billing:")
        portal = http.post("/v1/billing/portal", json={}, headers=headers).json()["url"]
        cancelled = http.get(portal, params={"action": "cancel"}, follow_redirects=False)
        assert cancelled.status_code in (302, 303)
        back = billing(http, headers)
        assert (back["tier"], back["status"], back["current_period_start"]) == ("free", "canceled", None)

    def test_checkout_sells_only_basic_and_pro(self, http: httpx.Client) -> None:
        headers = sign_up(http, "enterprise")
        refused = http.post("/v1/billing/checkout", json={"tier": "enterprise"}, headers=headers)
        assert refused.status_code == 422
        assert (
            http.post("/v1/billing/checkout", json={"tier": "pro", "client_id": "x"}, headers=headers).status_code
            == 400
        )

    def test_a_forged_sandbox_link_changes_nothing(self, http: httpx.Client) -> None:
        headers = sign_up(http, "forger")
        url = http.post("/v1/billing/checkout", json={"tier": "pro"}, headers=headers).json()["url"]
        forged = http.get(url[:-4] + "0000", follow_redirects=False)
        assert forged.status_code == 422
        assert billing(http, headers)["tier"] == "free"

    def test_billing_routes_need_a_token(self, http: httpx.Client) -> None:
        assert http.get("/v1/billing").status_code == 401
        assert http.post("/v1/billing/checkout", json={"tier": "pro"}).status_code == 401


class TestWebhooks:
    def test_a_signed_subscription_event_from_the_fixtures_is_applied_once(self, http: httpx.Client) -> None:
        headers = sign_up(http, "replay")
        customer = customer_of(http, headers)
        body = subscription_event("customer.subscription.updated", customer, "active", int(time.time()), "evt_replay_1")
        outcomes = [deliver(http, body).json()["outcome"] for _ in range(5)]
        assert outcomes == ["applied"] + ["duplicate"] * 4
        assert billing(http, headers)["tier"] == "pro"

    def test_every_order_of_three_events_ends_in_the_same_state(self, http: httpx.Client) -> None:
        import itertools

        now = int(time.time())
        endings = set()
        for number, order in enumerate(itertools.permutations(range(3))):
            headers = sign_up(http, f"order{number}")
            customer = customer_of(http, headers)
            states = [("customer.subscription.created", "active"), ("customer.subscription.updated", "past_due"),
                      ("customer.subscription.deleted", "canceled")]  # fmt: skip
            for index in order:
                kind, status = states[index]
                body = subscription_event(kind, customer, status, now - 60 + index, f"evt_order{number}_{index}")
                assert deliver(http, body).status_code == 200
            ending = billing(http, headers)
            endings.add((ending["tier"], ending["status"]))
        assert endings == {("free", "canceled")}

    @pytest.mark.parametrize(
        ("secret", "age"),
        [("whsec_someone_else", 0), (WEBHOOK_SECRET, 301), (WEBHOOK_SECRET, -301)],
        ids=["wrong secret", "stale", "from the future"],
    )
    def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(
        self, http: httpx.Client, secret: str, age: int
    ) -> None:
        headers = sign_up(http, "signature")
        customer = customer_of(http, headers)
        body = subscription_event(
            "customer.subscription.updated", customer, "active", int(time.time()), f"evt_bad_{age}_{secret[-4:]}"
        )
        refused = deliver(http, body, secret=secret, at=int(time.time()) - age)
        assert refused.status_code == 400
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert billing(http, headers)["tier"] == "free"
        assert http.post("/webhooks/stripe", content=body).status_code == 400

    def test_unknown_types_are_acknowledged_and_ignored(self, http: httpx.Client) -> None:
        event = fixture("event") | {"id": "evt_plan_created"}
        response = deliver(http, json.dumps(event).encode())
        assert (response.status_code, response.json()["outcome"]) == (200, "ignored")

    def test_an_unknown_customer_is_acknowledged_and_recorded(self, http: httpx.Client) -> None:
        body = subscription_event(
            "customer.subscription.updated", "cus_nobody", "active", int(time.time()), "evt_nobody"
        )
        response = deliver(http, body)
        assert (response.status_code, response.json()["outcome"]) == (200, "unknown-customer")
        assert deliver(http, body).json()["outcome"] == "duplicate"


class TestBillingIsolation:
    def test_one_clients_subscription_never_shows_or_moves_another(self, http: httpx.Client) -> None:
        alice, bob = sign_up(http, "iso-alice"), sign_up(http, "iso-bob")
        checkout = http.post("/v1/billing/checkout", json={"tier": "pro"}, headers=alice).json()["url"]
        http.get(checkout, follow_redirects=False)
        assert billing(http, alice)["tier"] == "pro"
        assert billing(http, bob)["tier"] == "free"
        assert billing(http, bob)["has_billing_account"] is False
        portal = http.post("/v1/billing/portal", json={}, headers=bob)
        assert portal.status_code == 409  # bob has no billing account: alice's is not reachable from his token
        assert billing(http, alice)["tier"] == "pro"
