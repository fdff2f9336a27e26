"""The Valkey rate limiter on a real (embedded) Valkey: the port's contract, one count shared by every
process, and counting in the process while the server cannot be reached."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from arco_adapters.memory.rate_limiter import MemoryRateLimiter
from arco_adapters.system import SystemClock
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_adapters.valkey.rate_limiter import ValkeyRateLimiter
from tests.contracts.rate_limiter import RateLimiterContract, fresh_rule


@pytest.fixture
async def limiter(valkey: EmbeddedValkey) -> AsyncIterator[ValkeyRateLimiter]:
    limiter = ValkeyRateLimiter(valkey.url, fallback=MemoryRateLimiter(SystemClock()))
    yield limiter
    await limiter.aclose()


class TestValkeyRateLimiter(RateLimiterContract):
    async def test_two_processes_share_one_count(self, limiter: ValkeyRateLimiter, valkey: EmbeddedValkey) -> None:
        other_process = ValkeyRateLimiter(valkey.url, fallback=MemoryRateLimiter(SystemClock()))
        rule = fresh_rule(limit=2)
        try:
            assert (await limiter.hit(rule, "198.51.100.4")).allowed
            assert (await other_process.hit(rule, "198.51.100.4")).allowed
            assert not (await limiter.hit(rule, "198.51.100.4")).allowed
            assert not (await other_process.hit(rule, "198.51.100.4")).allowed
        finally:
            await other_process.aclose()


class TestWithTheServerDown:
    async def test_each_process_keeps_limiting_in_memory_and_says_so(self, caplog: pytest.LogCaptureFixture) -> None:
        # A port nothing listens on: every call to the server fails at once.
        unreachable = ValkeyRateLimiter(
            "redis://127.0.0.1:9/0", fallback=MemoryRateLimiter(SystemClock()), timeout=timedelta(seconds=1)
        )
        rule = fresh_rule(limit=2)
        try:
            with caplog.at_level(logging.WARNING, logger="arco.rate_limits"):
                verdicts = [await unreachable.hit(rule, "203.0.113.8") for _ in range(3)]
            assert [v.allowed for v in verdicts] == [True, True, False]
            assert "rate-limit server unreachable" in caplog.text
            assert (await unreachable.peek(rule, "203.0.113.8")).remaining == 0
            await unreachable.clear(rule, "203.0.113.8")
            assert (await unreachable.hit(rule, "203.0.113.8")).allowed
        finally:
            await unreachable.aclose()
