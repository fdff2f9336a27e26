"""The memory rate limiter honours the port's contract, and its windows move with the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.rate_limiter import MemoryRateLimiter
from arco_domain.model.throttling import RateLimit
from tests.contracts.rate_limiter import RateLimiterContract
from tests.unit.conftest import START


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def limiter(clock: ManualClock) -> MemoryRateLimiter:
    return MemoryRateLimiter(clock)


class TestMemoryRateLimiter(RateLimiterContract):
    async def test_the_window_moves_one_event_at_a_time(self, limiter: MemoryRateLimiter, clock: ManualClock) -> None:
        rule = RateLimit("moving", 2, timedelta(minutes=1))
        await limiter.hit(rule, "k")
        clock.advance(timedelta(seconds=40))
        await limiter.hit(rule, "k")
        refused = await limiter.hit(rule, "k")
        assert not refused.allowed and refused.reset_after == timedelta(seconds=20)
        clock.advance(timedelta(seconds=20))
        assert (await limiter.hit(rule, "k")).allowed
        assert not (await limiter.hit(rule, "k")).allowed

    async def test_a_flood_of_distinct_keys_stays_bounded(self, clock: ManualClock) -> None:
        limiter = MemoryRateLimiter(clock, max_keys=100)
        rule = RateLimit("flood", 1, timedelta(minutes=1))
        for n in range(1_000):
            clock.advance(timedelta(milliseconds=1))
            await limiter.hit(rule, f"198.51.100.{n}")
        assert limiter.tracked_keys <= 100
        assert not (await limiter.hit(rule, "198.51.100.999")).allowed
