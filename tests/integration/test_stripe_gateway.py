"""`StripePaymentGateway` through the real SDK and HTTP, against a local stub of Stripe's API.

The stub serves Stripe's own fixture objects (tests/fixtures/stripe/), answers a repeated idempotency key
with the first response as Stripe does, and records every request: path, query, form body and headers.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from arco_adapters.memory.clock import ManualClock
from arco_adapters.stripe.gateway import API_VERSION, PaymentProviderError, StripePaymentGateway
from arco_domain.errors import Conflict, NotFound, Unavailable, ValidationError
from arco_domain.ids import ClientId
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier
from tests.stub_http import Reply, StubRequest, StubServer, free_port

# The SDK hands httpx its form body as `data=<str>`, which httpx deprecates; the request is still right.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stripe"
SECRET_KEY = "sk_test_arco_stub"
PRO_PRICE = "price_1PgafmB7WZ01zgkW6dKueIc5"  # the price on the fixture subscription's item
BASIC_PRICE = "price_basic_arco"
PRICES = {Tier.BASIC: BASIC_PRICE, Tier.PRO: PRO_PRICE}
NOW = datetime(2026, 3, 10, 14, 20, tzinfo=UTC)
PERIOD = BillingPeriod(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
RETURN_URL = "https://app.arco.test/billing"
CLIENT = ClientId(UUID("0190f5a0-0000-7000-8000-000000000001"))
OTHER_CLIENT = ClientId(UUID("0190f5a0-0000-7000-8000-000000000002"))


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def stripe_error(kind: str, message: str, **extra: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **extra}}


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def subscription_object(
    subscription_id: str = "sub_arco_1",
    *,
    status: str = "active",
    price: str = PRO_PRICE,
    period: BillingPeriod | None = PERIOD,
    cancel_at_period_end: bool = False,
) -> dict[str, Any]:
    """The fixture subscription with the values these tests depend on made real."""
    subscription = fixture("subscription")
    subscription.update(id=subscription_id, status=status, cancel_at_period_end=cancel_at_period_end)
    item = subscription["items"]["data"][0]
    item["price"]["id"] = price
    if period is None:
        del item["current_period_start"], item["current_period_end"]
    else:
        item["current_period_start"], item["current_period_end"] = seconds(period.start), seconds(period.end)
    return subscription


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]

    @classmethod
    def of(cls, request: StubRequest) -> Recorded:
        return cls(request.method, request.path, request.query, request.form(), request.headers)

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def one(self, name: str, *, source: str = "form") -> str:
        values = (self.form if source == "form" else self.query)[name]
        assert len(values) == 1
        return values[0]


@dataclass
class StripeStub:
    """Stripe's API, as far as the gateway uses it."""

    requests: list[Recorded] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)  # newest first, as Stripe lists them
    search_sees_new_customers: bool = True
    failures: dict[str, deque[Reply]] = field(default_factory=dict)
    _replays: dict[tuple[str, str], tuple[dict[str, list[str]], Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _searchable: int = 0

    def fail(self, path: str, status: int, body: dict[str, Any], *, times: int = 1) -> None:
        self.failures.setdefault(path, deque()).extend(Reply(status, {}, body) for _ in range(times))

    def add_customer(self, client_id: ClientId, customer_id: str, created: int) -> None:
        customer = fixture("customer")
        customer.update(id=customer_id, created=created, metadata={"arco_client_id": str(client_id)})
        self.customers.append(customer)
        self._searchable = len(self.customers)

    def to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def respond(self, request: StubRequest) -> Reply:
        reply = self.answer(Recorded.of(request))
        return reply._replace(headers={"Request-Id": f"req_stub_{len(self.requests)}", **reply.headers})

    def answer(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            queued = self.failures.get(request.path)
            if queued:
                return queued.popleft()
            key = request.idempotency_key
            if request.method == "POST" and key and (request.path, key) in self._replays:
                form, reply = self._replays[(request.path, key)]
                if form != request.form:
                    return Reply(
                        400, {}, stripe_error("idempotency_error", "Keys can only be reused with the same parameters.")
                    )
                return reply
            reply = self._route(request)
            if request.method == "POST" and key and reply.status == 200:
                self._replays[(request.path, key)] = (request.form, reply)
            return reply

    def _route(self, request: Recorded) -> Reply:
        routes: dict[tuple[str, str], Callable[[Recorded], Reply]] = {
            ("GET", "/v1/customers/search"): self._search_customers,
            ("POST", "/v1/customers"): self._create_customer,
            ("POST", "/v1/checkout/sessions"): self._create_checkout,
            ("POST", "/v1/billing_portal/sessions"): self._create_portal,
            ("GET", "/v1/events"): self._list_events,
        }
        if request.method == "GET" and request.path.startswith("/v1/subscriptions/"):
            return self._subscription(request.path.rsplit("/", 1)[1])
        route = routes.get((request.method, request.path))
        if route is None:
            return Reply(404, {}, stripe_error("invalid_request_error", f"Unrecognized request URL ({request.path})."))
        return route(request)

    def _search_customers(self, request: Recorded) -> Reply:
        query = request.one("query", source="query")
        visible = self.customers if self.search_sees_new_customers else self.customers[: self._searchable]
        found = [c for c in visible if f"metadata['arco_client_id']:'{c['metadata'].get('arco_client_id')}'" == query]
        body = {"object": "search_result", "data": found, "has_more": False, "next_page": None, "url": request.path}
        return Reply(200, {}, body)

    def _create_customer(self, request: Recorded) -> Reply:
        customer = fixture("customer")
        customer.update(
            id=f"cus_stub{len(self.customers) + 1}",
            email=request.one("email"),
            name=request.one("name"),
            metadata={"arco_client_id": request.one("metadata[arco_client_id]")},
            created=seconds(NOW) + len(self.customers),
        )
        self.customers.append(customer)
        return Reply(200, {}, customer)

    def _create_checkout(self, request: Recorded) -> Reply:
        number = len(self.to("POST", request.path))
        session = fixture("checkout_session")
        session.update(
            id=f"cs_test_stub{number}",
            url=f"https://checkout.stripe.com/c/pay/cs_test_stub{number}",
            mode=request.one("mode"),
            customer=request.one("customer"),
            client_reference_id=request.one("client_reference_id"),
            success_url=request.one("success_url"),
            cancel_url=request.one("cancel_url"),
        )
        return Reply(200, {}, session)

    def _create_portal(self, request: Recorded) -> Reply:
        session = fixture("billing_portal_session")
        session.update(customer=request.one("customer"), return_url=request.one("return_url"))
        return Reply(200, {}, session)

    def _subscription(self, subscription_id: str) -> Reply:
        found = self.subscriptions.get(subscription_id)
        if found is None:
            message = f"No such subscription: '{subscription_id}'"
            return Reply(404, {}, stripe_error("invalid_request_error", message, code="resource_missing", param="id"))
        return Reply(200, {}, found)

    def _list_events(self, request: Recorded) -> Reply:
        since = int(request.one("created[gte]", source="query"))
        limit = int(request.one("limit", source="query"))
        matching = [e for e in self.events if e["created"] >= since]
        if "starting_after" in request.query:
            after = request.one("starting_after", source="query")
            matching = matching[[e["id"] for e in matching].index(after) + 1 :]
        page = matching[:limit]
        return Reply(200, {}, {"object": "list", "data": page, "has_more": len(matching) > limit, "url": "/v1/events"})


@pytest.fixture
def stripe() -> StripeStub:
    return StripeStub()


@pytest.fixture
def stub(stripe: StripeStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    # The SDK keeps a telemetry id under the user's config directory; keep it out of the real one.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with StubServer(stripe.respond) as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def gateway(stub: StubServer, clock: ManualClock) -> AsyncIterator[StripePaymentGateway]:
    gateway = StripePaymentGateway(
        SECRET_KEY, prices=PRICES, clock=clock, api_base=stub.url, timeout=5, max_network_retries=0
    )
    yield gateway
    await gateway.aclose()


class TestStripePaymentGatewayConstruction:
    def test_two_tiers_cannot_share_one_price(self, clock: ManualClock) -> None:
        with pytest.raises(ValueError, match="own"):
            StripePaymentGateway(SECRET_KEY, prices={Tier.BASIC: PRO_PRICE, Tier.PRO: PRO_PRICE}, clock=clock)

    async def test_every_request_carries_the_pinned_api_version_and_the_secret_key(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        await gateway.portal_url("cus_1", return_url=RETURN_URL)
        assert {r.headers["stripe-version"] for r in stripe.requests} == {API_VERSION}
        assert {r.headers["authorization"] for r in stripe.requests} == {f"Bearer {SECRET_KEY}"}


class TestEnsureCustomer:
    async def test_a_client_without_a_customer_gets_one_tagged_with_its_id(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        customer_id = await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        [create] = stripe.to("POST", "/v1/customers")
        assert customer_id == "cus_stub1"
        assert create.idempotency_key == f"customer-{CLIENT}"
        assert create.form == {
            "email": ["owner@acme.test"],
            "name": ["Acme"],
            "metadata[arco_client_id]": [str(CLIENT)],
        }

    async def test_the_customer_is_looked_up_by_the_client_id_in_its_metadata(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.add_customer(CLIENT, "cus_known", created=1)
        stripe.add_customer(OTHER_CLIENT, "cus_other", created=2)
        assert await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme") == "cus_known"
        [search] = stripe.to("GET", "/v1/customers/search")
        assert search.one("query", source="query") == f"metadata['arco_client_id']:'{CLIENT}'"
        assert stripe.to("POST", "/v1/customers") == []

    async def test_of_two_customers_tagged_with_the_client_the_oldest_is_the_one(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.add_customer(CLIENT, "cus_second", created=200)
        stripe.add_customer(CLIENT, "cus_first", created=100)
        assert await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme") == "cus_first"

    async def test_a_customer_that_search_cannot_see_yet_is_not_created_twice(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.search_sees_new_customers = False
        first = await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        second = await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        creates = stripe.to("POST", "/v1/customers")
        assert first == second
        assert len(stripe.customers) == 1
        assert [c.idempotency_key for c in creates] == [f"customer-{CLIENT}"] * 2

    async def test_two_clients_get_two_customers_under_two_keys(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        first = await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        second = await gateway.ensure_customer(OTHER_CLIENT, email="owner@bolt.test", name="Bolt")
        assert first != second
        assert {c.idempotency_key for c in stripe.to("POST", "/v1/customers")} == {
            f"customer-{CLIENT}",
            f"customer-{OTHER_CLIENT}",
        }


class TestCheckoutUrl:
    async def test_checkout_subscribes_the_customer_to_the_tiers_price(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        url = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        [create] = stripe.to("POST", "/v1/checkout/sessions")
        assert url == "https://checkout.stripe.com/c/pay/cs_test_stub1"
        assert create.form == {
            "mode": ["subscription"],
            "customer": ["cus_1"],
            "client_reference_id": [str(CLIENT)],
            "line_items[0][price]": [PRO_PRICE],
            "line_items[0][quantity]": ["1"],
            "success_url": [RETURN_URL],
            "cancel_url": [RETURN_URL],
            "metadata[arco_client_id]": [str(CLIENT)],
            "metadata[arco_tier]": ["pro"],
            "subscription_data[metadata][arco_client_id]": [str(CLIENT)],
            "subscription_data[metadata][arco_tier]": ["pro"],
        }

    async def test_the_same_intent_twice_sends_the_same_key_and_gets_the_same_session(
        self, gateway: StripePaymentGateway, stripe: StripeStub, clock: ManualClock
    ) -> None:
        first = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        clock.advance(timedelta(minutes=30))
        second = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        keys = [r.idempotency_key for r in stripe.to("POST", "/v1/checkout/sessions")]
        assert first == second
        assert keys[0] == keys[1]
        assert keys[0] is not None and keys[0].startswith(f"checkout-{CLIENT}-pro-20260310T1400-")

    async def test_another_client_or_tier_sends_another_key(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.BASIC, return_url=RETURN_URL)
        await gateway.checkout_url(OTHER_CLIENT, "cus_2", tier=Tier.PRO, return_url=RETURN_URL)
        keys = [r.idempotency_key for r in stripe.to("POST", "/v1/checkout/sessions")]
        assert len(set(keys)) == 3

    async def test_the_next_hour_is_a_new_intent_with_a_new_session(
        self, gateway: StripePaymentGateway, stripe: StripeStub, clock: ManualClock
    ) -> None:
        first = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        clock.set(NOW.replace(minute=0) + timedelta(hours=1))
        second = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        keys = [r.idempotency_key for r in stripe.to("POST", "/v1/checkout/sessions")]
        assert keys[0] != keys[1]
        assert first != second

    async def test_a_changed_return_url_is_a_new_intent_not_a_refused_replay(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        url = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL + "?from=pricing")
        keys = [r.idempotency_key for r in stripe.to("POST", "/v1/checkout/sessions")]
        assert keys[0] != keys[1]
        assert url == "https://checkout.stripe.com/c/pay/cs_test_stub2"

    async def test_a_tier_without_a_price_is_refused_without_asking_stripe(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.ENTERPRISE, return_url=RETURN_URL)
        assert refused.value.field == "tier"
        assert stripe.requests == []


class TestPortalUrl:
    async def test_the_portal_opens_for_the_customer_and_returns_to_the_given_page(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        url = await gateway.portal_url("cus_QXg1o8vcGmoR32", return_url=RETURN_URL)
        [create] = stripe.to("POST", "/v1/billing_portal/sessions")
        assert url == fixture("billing_portal_session")["url"]
        assert create.form == {"customer": ["cus_QXg1o8vcGmoR32"], "return_url": [RETURN_URL]}


class TestSubscription:
    async def test_the_snapshot_takes_the_billing_period_from_the_subscription_item(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        subscription = subscription_object()
        subscription["current_period_start"], subscription["current_period_end"] = 1, 2  # ignored: items win
        stripe.subscriptions["sub_arco_1"] = subscription
        snapshot = await gateway.subscription("sub_arco_1")
        assert snapshot.period == PERIOD

    async def test_an_object_without_item_periods_falls_back_to_the_subscription_fields(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        subscription = subscription_object(period=None)
        subscription["current_period_start"] = seconds(PERIOD.start)
        subscription["current_period_end"] = seconds(PERIOD.end)
        stripe.subscriptions["sub_arco_1"] = subscription
        assert (await gateway.subscription("sub_arco_1")).period == PERIOD

    async def test_the_snapshot_translates_ids_tier_status_and_cancellation(
        self, gateway: StripePaymentGateway, stripe: StripeStub, clock: ManualClock
    ) -> None:
        stripe.subscriptions["sub_arco_1"] = subscription_object(status="past_due", cancel_at_period_end=True)
        clock.set(NOW.replace(microsecond=250_000))
        snapshot = await gateway.subscription("sub_arco_1")
        assert snapshot.subscription_id == "sub_arco_1"
        assert snapshot.customer_id == "cus_QXg1o8vcGmoR32"
        assert snapshot.tier is Tier.PRO
        assert snapshot.status is SubscriptionStatus.PAST_DUE
        assert snapshot.cancel_at_period_end is True
        assert snapshot.observed_at == NOW - timedelta(seconds=1)

    async def test_a_price_arco_does_not_sell_gives_no_tier(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.subscriptions["sub_arco_1"] = subscription_object(price="price_somebody_elses")
        assert (await gateway.subscription("sub_arco_1")).tier is None

    async def test_a_missing_subscription_is_not_found(self, gateway: StripePaymentGateway) -> None:
        with pytest.raises(NotFound) as missing:
            await gateway.subscription("sub_missing")
        assert missing.value.facts() == {"kind": "subscription", "key": "sub_missing"}


class TestEventsSince:
    async def test_events_are_paged_through_and_returned_oldest_first(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        since = NOW - timedelta(days=3)
        for number in range(230):
            event = fixture("event")
            event.update(id=f"evt_{number:03}", type="customer.subscription.updated", created=seconds(since) + number)
            event["data"]["object"] = subscription_object(f"sub_{number:03}")
            stripe.events.insert(0, event)
        stripe.events.append({**stripe.events[-1], "id": "evt_too_old", "created": seconds(since) - 1})
        events = await gateway.events_since(since)
        pages = stripe.to("GET", "/v1/events")
        assert [e.id for e in events] == [f"evt_{n:03}" for n in range(230)]
        assert [p.query.get("starting_after") for p in pages] == [None, ["evt_130"], ["evt_030"]]
        assert {p.one("created[gte]", source="query") for p in pages} == {str(seconds(since))}

    async def test_a_subscription_event_carries_the_translated_subscription(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        event = fixture("event")
        event.update(type="customer.subscription.deleted", created=seconds(NOW))
        event["data"]["object"] = subscription_object(status="canceled")
        stripe.events.append(event)
        [found] = await gateway.events_since(NOW - timedelta(hours=1))
        assert found.id == event["id"]
        assert found.created == NOW
        assert found.subscription is not None
        assert found.subscription.status is SubscriptionStatus.CANCELED
        assert found.subscription.observed_at == NOW


class TestStripeErrors:
    async def test_a_server_error_is_unavailable(self, gateway: StripePaymentGateway, stripe: StripeStub) -> None:
        stripe.fail("/v1/billing_portal/sessions", 500, stripe_error("api_error", "Something went wrong."))
        with pytest.raises(Unavailable):
            await gateway.portal_url("cus_1", return_url=RETURN_URL)

    async def test_a_rate_limit_is_unavailable(self, gateway: StripePaymentGateway, stripe: StripeStub) -> None:
        body = stripe_error("invalid_request_error", "Too many requests.", code="rate_limit")
        stripe.fail("/v1/checkout/sessions", 429, body)
        with pytest.raises(Unavailable):
            await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)

    async def test_an_invalid_request_is_a_validation_error(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        body = stripe_error("invalid_request_error", "No such price: 'price_basic_arco'", param="line_items[0][price]")
        stripe.fail("/v1/checkout/sessions", 400, body)
        with pytest.raises(ValidationError, match="No such price"):
            await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.BASIC, return_url=RETURN_URL)

    async def test_a_key_reused_with_other_parameters_is_a_conflict(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.fail("/v1/customers", 400, stripe_error("idempotency_error", "Keys can only be reused with ..."))
        with pytest.raises(Conflict):
            await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")

    async def test_a_refused_secret_key_is_a_provider_error_and_not_the_callers_fault(
        self, gateway: StripePaymentGateway, stripe: StripeStub
    ) -> None:
        stripe.fail("/v1/customers/search", 401, stripe_error("invalid_request_error", "Invalid API Key provided"))
        with pytest.raises(PaymentProviderError) as refused:
            await gateway.ensure_customer(CLIENT, email="owner@acme.test", name="Acme")
        assert not isinstance(refused.value, ValidationError | Unavailable)

    async def test_an_unreachable_api_is_unavailable(self, clock: ManualClock) -> None:
        gateway = StripePaymentGateway(
            SECRET_KEY, prices=PRICES, clock=clock, api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0
        )
        try:
            with pytest.raises(Unavailable):
                await gateway.subscription("sub_arco_1")
        finally:
            await gateway.aclose()

    async def test_a_retried_create_repeats_its_idempotency_key(
        self, stub: StubServer, stripe: StripeStub, clock: ManualClock
    ) -> None:
        base = stub.url
        stripe.fail("/v1/checkout/sessions", 503, stripe_error("api_error", "Try again."))
        gateway = StripePaymentGateway(SECRET_KEY, prices=PRICES, clock=clock, api_base=base, max_network_retries=1)
        try:
            url = await gateway.checkout_url(CLIENT, "cus_1", tier=Tier.PRO, return_url=RETURN_URL)
        finally:
            await gateway.aclose()
        attempts = stripe.to("POST", "/v1/checkout/sessions")
        assert url.startswith("https://checkout.stripe.com/")
        assert len(attempts) == 2
        assert attempts[0].idempotency_key == attempts[1].idempotency_key
