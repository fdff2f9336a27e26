"""Stripe webhook signatures (`verify_event`, `sign_payload`) and the subscription translation."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stripe import WebhookSignature

from arco_adapters.stripe.webhooks import STATUSES, sign_payload, subscription_snapshot, verify_event
from arco_domain.errors import ValidationError
from arco_domain.model.clients import SubscriptionStatus
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Tier

SECRET = "whsec_test_secret_for_arco"
SIGNED_AT = 1_773_151_200  # 2026-03-10 14:00 UTC
EVENT: dict[str, Any] = {
    "id": "evt_1Pgc76B7WZ01zgkWwyRHS12y",
    "object": "event",
    "type": "customer.subscription.updated",
    "created": SIGNED_AT,
    "livemode": False,
    "data": {"object": {"id": "sub_1", "object": "subscription", "status": "active"}},
}
PAYLOAD = json.dumps(EVENT).encode()


def refused(payload: bytes, header: str | None, secret: str = SECRET, *, now: int = SIGNED_AT) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        verify_event(payload, header, secret, now=now)
    return caught.value


class TestSignPayload:
    def test_the_header_is_the_timestamp_and_the_hmac_of_timestamp_dot_payload(self) -> None:
        expected = hmac.new(SECRET.encode(), f"{SIGNED_AT}.".encode() + PAYLOAD, hashlib.sha256).hexdigest()
        assert sign_payload(PAYLOAD, SECRET, SIGNED_AT) == f"t={SIGNED_AT},v1={expected}"

    def test_the_header_is_the_one_the_stripe_sdk_builds(self) -> None:
        sdk = WebhookSignature.generate_signature_header(PAYLOAD.decode(), SECRET, SIGNED_AT)
        assert sign_payload(PAYLOAD, SECRET, SIGNED_AT) == sdk


class TestVerifyEvent:
    def test_a_payload_signed_with_the_secret_verifies_as_its_event(self) -> None:
        assert verify_event(PAYLOAD, sign_payload(PAYLOAD, SECRET, SIGNED_AT), SECRET, now=SIGNED_AT) == EVENT

    def test_a_signature_made_with_another_secret_is_refused_on_the_signature_header(self) -> None:
        error = refused(PAYLOAD, sign_payload(PAYLOAD, "whsec_someone_else", SIGNED_AT))
        assert error.field == "Stripe-Signature"

    def test_a_tampered_body_is_refused(self) -> None:
        header = sign_payload(PAYLOAD, SECRET, SIGNED_AT)
        tampered = PAYLOAD.replace(b"customer.subscription.updated", b"customer.subscription.deleted")
        assert refused(tampered, header).field == "Stripe-Signature"

    def test_a_signature_exactly_at_the_tolerance_is_accepted_either_way(self) -> None:
        header = sign_payload(PAYLOAD, SECRET, SIGNED_AT)
        assert verify_event(PAYLOAD, header, SECRET, now=SIGNED_AT + 300)["id"] == EVENT["id"]
        assert verify_event(PAYLOAD, header, SECRET, now=SIGNED_AT - 300)["id"] == EVENT["id"]

    def test_a_signature_older_than_300_seconds_is_refused(self) -> None:
        error = refused(PAYLOAD, sign_payload(PAYLOAD, SECRET, SIGNED_AT), now=SIGNED_AT + 301)
        assert error.field == "Stripe-Signature"
        assert "tolerance" in error.detail

    def test_a_signature_from_more_than_300_seconds_in_the_future_is_refused(self) -> None:
        error = refused(PAYLOAD, sign_payload(PAYLOAD, SECRET, SIGNED_AT + 301))
        assert error.field == "Stripe-Signature"

    def test_the_tolerance_can_be_narrowed(self) -> None:
        header = sign_payload(PAYLOAD, SECRET, SIGNED_AT)
        with pytest.raises(ValidationError):
            verify_event(PAYLOAD, header, SECRET, tolerance=10, now=SIGNED_AT + 11)

    def test_without_a_given_now_the_system_clock_decides(self) -> None:
        fresh = int(time.time())
        assert verify_event(PAYLOAD, sign_payload(PAYLOAD, SECRET, fresh), SECRET)["id"] == EVENT["id"]
        with pytest.raises(ValidationError):
            verify_event(PAYLOAD, sign_payload(PAYLOAD, SECRET, fresh - 3600), SECRET)

    @pytest.mark.parametrize("header", [None, ""], ids=["absent", "empty"])
    def test_a_missing_header_is_refused(self, header: str | None) -> None:
        assert refused(PAYLOAD, header).field == "Stripe-Signature"

    @pytest.mark.parametrize(
        "header",
        [
            "garbage",
            "t=,v1=",
            "t=soon,v1=" + "0" * 64,
            "v1=" + "0" * 64,
            f"t={SIGNED_AT}",
            f"t={SIGNED_AT},v0=" + "0" * 64,
            f"t={SIGNED_AT},v1=" + "0" * 64,
            "=,=,=",
        ],
    )
    def test_a_garbage_header_is_refused(self, header: str) -> None:
        assert refused(PAYLOAD, header).field == "Stripe-Signature"

    def test_one_matching_signature_among_several_is_enough_as_during_a_secret_rotation(self) -> None:
        header = sign_payload(PAYLOAD, SECRET, SIGNED_AT)
        old = sign_payload(PAYLOAD, "whsec_old", SIGNED_AT).split(",")[1]
        assert verify_event(PAYLOAD, f"{header},{old}", SECRET, now=SIGNED_AT) == EVENT

    @pytest.mark.parametrize(
        "payload",
        [b"not json", b"[1, 2]", b'{"id": "evt_1"}', json.dumps({**EVENT, "data": {"object": "sub_1"}}).encode()],
        ids=["not-json", "a-list", "no-type", "object-not-an-object"],
    )
    def test_a_correctly_signed_payload_that_is_not_a_stripe_event_is_refused(self, payload: bytes) -> None:
        assert refused(payload, sign_payload(payload, SECRET, SIGNED_AT)).field == "Stripe-Signature"

    def test_a_correctly_signed_body_that_is_not_utf8_is_refused(self) -> None:
        payload = b"\xff\xfe" + PAYLOAD
        assert refused(payload, sign_payload(payload, SECRET, SIGNED_AT)).field == "Stripe-Signature"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
events = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=30),
        "type": st.text(min_size=1, max_size=40),
        "created": st.integers(min_value=0, max_value=2**32),
        "data": st.fixed_dictionaries({"object": st.dictionaries(st.text(max_size=8), json_values, max_size=5)}),
    },
    optional={"livemode": st.booleans(), "api_version": st.none() | st.text(max_size=20)},
)
secrets = st.text(min_size=1, max_size=40).filter(lambda s: s.strip(" \t\r\n\f\v") != "")
timestamps = st.integers(min_value=1, max_value=2**33)


class TestVerifyEventProperties:
    @given(event=events, secret=secrets, signed_at=timestamps, skew=st.integers(min_value=-300, max_value=300))
    def test_any_event_signed_with_the_secret_verifies_within_the_tolerance(
        self, event: dict[str, Any], secret: str, signed_at: int, skew: int
    ) -> None:
        payload = json.dumps(event, ensure_ascii=False).encode()
        header = sign_payload(payload, secret, signed_at)
        assert verify_event(payload, header, secret, now=signed_at + skew) == event

    @given(event=events, secret=secrets, signed_at=timestamps, data=st.data())
    def test_any_single_byte_change_to_a_signed_payload_fails(
        self, event: dict[str, Any], secret: str, signed_at: int, data: st.DataObject
    ) -> None:
        payload = bytearray(json.dumps(event, ensure_ascii=False).encode())
        header = sign_payload(bytes(payload), secret, signed_at)
        index = data.draw(st.integers(min_value=0, max_value=len(payload) - 1), label="index")
        payload[index] = (payload[index] + data.draw(st.integers(min_value=1, max_value=255), label="delta")) % 256
        with pytest.raises(ValidationError):
            verify_event(bytes(payload), header, secret, now=signed_at)

    @given(event=events, signed_at=timestamps, drift=st.integers(min_value=301, max_value=10**6), ahead=st.booleans())
    def test_any_signature_outside_the_tolerance_fails(
        self, event: dict[str, Any], signed_at: int, drift: int, ahead: bool
    ) -> None:
        payload = json.dumps(event).encode()
        header = sign_payload(payload, SECRET, signed_at)
        with pytest.raises(ValidationError):
            verify_event(payload, header, SECRET, now=signed_at - drift if ahead else signed_at + drift)


PRICES = {"price_basic": Tier.BASIC, "price_pro": Tier.PRO}
OBSERVED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
START, END = 1_772_323_200, 1_775_001_600  # 2026-03-01 and 2026-04-01 UTC


def subscription(**overrides: Any) -> dict[str, Any]:
    item = {"id": "si_1", "price": {"id": "price_pro"}, "current_period_start": START, "current_period_end": END}
    return {
        "id": "sub_1",
        "object": "subscription",
        "customer": "cus_1",
        "status": "active",
        "cancel_at_period_end": False,
        "items": {"object": "list", "data": [item]},
        **overrides,
    }


class TestSubscriptionSnapshot:
    @pytest.mark.parametrize(("stripe_status", "status"), sorted(STATUSES.items()))
    def test_every_stripe_status_has_its_arco_status(self, stripe_status: str, status: SubscriptionStatus) -> None:
        assert subscription_snapshot(subscription(status=stripe_status), PRICES, OBSERVED).status is status

    def test_an_ended_or_paused_subscription_gives_no_paid_access(self) -> None:
        assert STATUSES["incomplete_expired"] is SubscriptionStatus.CANCELED
        assert STATUSES["paused"] is SubscriptionStatus.UNPAID

    def test_an_unknown_status_is_refused_rather_than_guessed(self) -> None:
        with pytest.raises(ValidationError) as caught:
            subscription_snapshot(subscription(status="hibernating"), PRICES, OBSERVED)
        assert caught.value.field == "status"

    def test_the_snapshot_keeps_the_ids_the_period_and_the_observation_time(self) -> None:
        snapshot = subscription_snapshot(subscription(cancel_at_period_end=True), PRICES, OBSERVED)
        assert (snapshot.subscription_id, snapshot.customer_id, snapshot.tier) == ("sub_1", "cus_1", Tier.PRO)
        assert snapshot.period == BillingPeriod(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
        assert snapshot.cancel_at_period_end is True
        assert snapshot.observed_at == OBSERVED

    def test_an_expanded_customer_is_read_by_its_id(self) -> None:
        expanded = subscription(customer={"id": "cus_9", "object": "customer"})
        assert subscription_snapshot(expanded, PRICES, OBSERVED).customer_id == "cus_9"

    def test_the_tier_comes_from_the_first_item_whose_price_arco_sells(self) -> None:
        addon = {"id": "si_0", "price": {"id": "price_addon"}, "current_period_start": 1, "current_period_end": 2}
        sold = subscription()["items"]["data"][0] | {"price": {"id": "price_basic"}}
        snapshot = subscription_snapshot(subscription(items={"data": [addon, sold]}), PRICES, OBSERVED)
        assert snapshot.tier is Tier.BASIC
        assert snapshot.period is not None and snapshot.period.start == datetime(2026, 3, 1, tzinfo=UTC)

    def test_without_items_or_periods_there_is_no_tier_and_no_period(self) -> None:
        snapshot = subscription_snapshot(subscription(items={"data": []}), PRICES, OBSERVED)
        assert (snapshot.tier, snapshot.period) == (None, None)

    def test_an_object_rendered_for_an_older_api_version_keeps_its_period_on_the_subscription(self) -> None:
        item = {"id": "si_1", "price": {"id": "price_pro"}}
        old = subscription(items={"data": [item]}, current_period_start=START, current_period_end=END)
        assert subscription_snapshot(old, PRICES, OBSERVED).period == BillingPeriod(
            datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        )
