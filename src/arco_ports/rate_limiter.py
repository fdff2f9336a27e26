"""Counting acts per caller against rate limits, shared by every process of the deployment."""

from __future__ import annotations

from typing import Protocol

from arco_domain.model.throttling import RateLimit, RateVerdict


class RateLimiter(Protocol):
    """Moving-window counters keyed by `(rule, key)`. Keys of different rules never share a count.

    Implementations never raise for an unreachable store: they fall back to counting in the process, so a
    limiter outage neither locks everyone out nor lifts the limits.
    """

    async def hit(self, rule: RateLimit, key: str) -> RateVerdict:
        """Count one event for `key`, if the window has room; the verdict says whether it had."""
        ...

    async def peek(self, rule: RateLimit, key: str) -> RateVerdict:
        """Where `key` stands, counting nothing; `allowed` says whether one more event would pass."""
        ...

    async def clear(self, rule: RateLimit, key: str) -> None:
        """Forget every event counted for `key` under `rule`."""
        ...
