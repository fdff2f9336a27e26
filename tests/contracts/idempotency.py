"""The idempotency-store contract, written once and run against every adapter.

A subclass provides the `store` fixture, built on the contract's `clock` so that tests can move time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from arco_adapters.memory.clock import ManualClock
from arco_ports.idempotency import (
    IN_FLIGHT_LEASE,
    RETENTION,
    Claimed,
    Completed,
    IdempotencyStore,
    InFlight,
    KeyReused,
    StoredResponse,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
CREATED = StoredResponse(201, (("content-type", "application/json"), ("content-length", "9")), b'{"id": 1}')
REFUSED = StoredResponse(409, (("content-type", "application/problem+json"),), b'{"status": 409}')


def owner() -> UUID:
    return uuid4()


class IdempotencyStoreContract:
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(NOW)

    async def test_the_first_claim_of_a_key_takes_it(self, store: IdempotencyStore) -> None:
        assert await store.claim(owner(), "key-1", "fp") == Claimed()

    async def test_a_claim_of_a_key_in_flight_with_the_same_request_is_told_it_is_in_flight(
        self, store: IdempotencyStore
    ) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        assert await store.claim(me, "key-1", "fp") == InFlight()

    async def test_a_completed_key_replays_its_response_to_the_same_request(self, store: IdempotencyStore) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        await store.complete(me, "key-1", CREATED)
        assert await store.claim(me, "key-1", "fp") == Completed(CREATED)
        assert await store.claim(me, "key-1", "fp") == Completed(CREATED)

    async def test_a_stored_response_comes_back_byte_for_byte(self, store: IdempotencyStore) -> None:
        me = owner()
        response = StoredResponse(
            200,
            (("x-b", "second"), ("x-a", "first"), ("x-a", "again"), ("x-latin", "caf\xe9 \xff")),
            bytes(range(256)) * 3,
        )
        await store.claim(me, "key-1", "fp")
        await store.complete(me, "key-1", response)
        replay = await store.claim(me, "key-1", "fp")
        assert isinstance(replay, Completed)
        assert replay.response.status == 200
        assert replay.response.headers == response.headers
        assert replay.response.body == response.body

    async def test_the_same_key_for_another_request_is_refused_while_in_flight_and_after(
        self, store: IdempotencyStore
    ) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        assert await store.claim(me, "key-1", "other") == KeyReused()
        await store.complete(me, "key-1", CREATED)
        assert await store.claim(me, "key-1", "other") == KeyReused()
        assert await store.claim(me, "key-1", "fp") == Completed(CREATED)

    async def test_a_released_key_can_be_claimed_again_by_any_request(self, store: IdempotencyStore) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        await store.release(me, "key-1")
        assert await store.claim(me, "key-1", "other") == Claimed()

    async def test_releasing_a_completed_key_keeps_its_response(self, store: IdempotencyStore) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        await store.complete(me, "key-1", REFUSED)
        await store.release(me, "key-1")
        assert await store.claim(me, "key-1", "fp") == Completed(REFUSED)

    async def test_a_key_completes_once_and_keeps_its_first_response(self, store: IdempotencyStore) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        await store.complete(me, "key-1", REFUSED)
        await store.complete(me, "key-1", CREATED)
        assert await store.claim(me, "key-1", "fp") == Completed(REFUSED)

    async def test_completing_a_key_nobody_claimed_stores_nothing(self, store: IdempotencyStore) -> None:
        me = owner()
        await store.complete(me, "key-1", CREATED)
        assert await store.claim(me, "key-1", "fp") == Claimed()

    async def test_keys_of_one_owner_are_invisible_to_another(self, store: IdempotencyStore) -> None:
        alice, bob = owner(), owner()
        await store.claim(alice, "shared", "fp")
        await store.complete(alice, "shared", CREATED)
        assert await store.claim(bob, "shared", "fp") == Claimed()
        await store.release(bob, "shared")
        assert await store.claim(alice, "shared", "fp") == Completed(CREATED)
        assert await store.claim(bob, "shared", "other") == Claimed()

    async def test_a_completed_key_is_remembered_until_the_retention_ends_then_starts_afresh(
        self, store: IdempotencyStore, clock: ManualClock
    ) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        await store.complete(me, "key-1", CREATED)
        clock.advance(RETENTION - timedelta(seconds=1))
        assert await store.claim(me, "key-1", "other") == KeyReused()
        clock.advance(timedelta(seconds=1))
        assert await store.claim(me, "key-1", "other") == Claimed()
        assert await store.claim(me, "key-1", "other") == InFlight()

    async def test_an_expired_claim_that_never_finished_no_longer_holds_the_key(
        self, store: IdempotencyStore, clock: ManualClock
    ) -> None:
        me = owner()
        await store.claim(me, "key-1", "fp")
        clock.advance(RETENTION)
        await store.complete(me, "key-1", CREATED)  # too late: the claim has expired
        assert await store.claim(me, "key-1", "fp") == Claimed()

    async def test_a_claim_left_unfinished_past_its_lease_can_be_taken_over(
        self, store: IdempotencyStore, clock: ManualClock
    ) -> None:
        owner_id = owner()
        assert isinstance(await store.claim(owner_id, "k", "request"), Claimed)
        clock.advance(IN_FLIGHT_LEASE - timedelta(seconds=1))
        assert isinstance(await store.claim(owner_id, "k", "request"), InFlight)
        clock.advance(timedelta(seconds=1))
        assert isinstance(await store.claim(owner_id, "k", "request"), Claimed)

    async def test_purging_forgets_expired_keys_only(self, store: IdempotencyStore, clock: ManualClock) -> None:
        clock.advance(timedelta(days=365))  # past every other test's keys, which this first purge clears
        await store.purge_expired()
        me = owner()
        await store.claim(me, "old-done", "fp")
        await store.complete(me, "old-done", CREATED)
        await store.claim(me, "old-in-flight", "fp")
        clock.advance(RETENTION)
        await store.claim(me, "fresh", "fp")
        assert await store.purge_expired() == 2
        assert await store.claim(me, "fresh", "other") == KeyReused()
        assert await store.claim(me, "old-done", "other") == Claimed()

    async def test_of_twenty_concurrent_claims_of_one_key_exactly_one_wins(self, store: IdempotencyStore) -> None:
        me = owner()
        outcomes = await asyncio.gather(*(store.claim(me, "race", "fp") for _ in range(20)))
        assert Counter(type(outcome) for outcome in outcomes) == {Claimed: 1, InFlight: 19}

    async def test_of_concurrent_claims_for_different_requests_one_wins_and_the_rest_are_refused(
        self, store: IdempotencyStore
    ) -> None:
        me = owner()
        outcomes = await asyncio.gather(*(store.claim(me, "race", f"fp-{n}") for n in range(20)))
        assert Counter(type(outcome) for outcome in outcomes) == {Claimed: 1, KeyReused: 19}
