"""The `RateLimiter` contract, run on the memory limiter and on the Valkey one."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from arco_domain.model.throttling import RateLimit
from arco_ports.rate_limiter import RateLimiter


def fresh_rule(limit: int = 3, period: timedelta = timedelta(minutes=10)) -> RateLimit:
    return RateLimit(f"contract-{uuid4().hex[:8]}", limit, period)


class RateLimiterContract:
    async def test_events_pass_until_the_limit_then_are_refused(self, limiter: RateLimiter) -> None:
        rule = fresh_rule(limit=3)
        verdicts = [await limiter.hit(rule, "203.0.113.7") for _ in range(5)]
        assert [v.allowed for v in verdicts] == [True, True, True, False, False]
        assert [v.remaining for v in verdicts] == [2, 1, 0, 0, 0]

    async def test_a_refusal_says_when_a_slot_frees_within_the_window(self, limiter: RateLimiter) -> None:
        rule = fresh_rule(limit=1, period=timedelta(minutes=10))
        await limiter.hit(rule, "k")
        refused = await limiter.hit(rule, "k")
        assert not refused.allowed
        assert timedelta(minutes=9) < refused.reset_after <= timedelta(minutes=10)
        assert refused.rule == rule

    async def test_peeking_counts_nothing(self, limiter: RateLimiter) -> None:
        rule = fresh_rule(limit=2)
        for _ in range(3):
            assert (await limiter.peek(rule, "k")).remaining == 2
        await limiter.hit(rule, "k")
        await limiter.hit(rule, "k")
        peeked = await limiter.peek(rule, "k")
        assert not peeked.allowed and peeked.remaining == 0

    async def test_keys_and_rules_count_apart(self, limiter: RateLimiter) -> None:
        first, second = fresh_rule(limit=1), fresh_rule(limit=1)
        assert (await limiter.hit(first, "a")).allowed
        assert (await limiter.hit(first, "b")).allowed
        assert (await limiter.hit(second, "a")).allowed
        assert not (await limiter.hit(first, "a")).allowed

    async def test_clearing_forgets_the_key_under_that_rule_only(self, limiter: RateLimiter) -> None:
        rule, other = fresh_rule(limit=1), fresh_rule(limit=1)
        await limiter.hit(rule, "k")
        await limiter.hit(other, "k")
        await limiter.clear(rule, "k")
        assert (await limiter.hit(rule, "k")).allowed
        assert not (await limiter.hit(other, "k")).allowed
