"""`MemoryRateLimiter`: moving windows kept in this process, on the clock it is given.

It serves the unit tests (on a clock they move) and stands in for the shared limiter while that one's
server cannot be reached (on the system clock).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from arco_domain.model.throttling import RateLimit, RateVerdict
from arco_ports.clock import Clock


class MemoryRateLimiter:
    def __init__(self, clock: Clock, *, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._events: dict[tuple[str, str], deque[datetime]] = {}

    @property
    def tracked_keys(self) -> int:
        """How many (rule, key) windows this process holds."""
        return len(self._events)

    async def hit(self, rule: RateLimit, key: str) -> RateVerdict:
        now = self._clock.now()
        events = self._window(rule, key, now)
        if len(events) < rule.limit:
            events.append(now)
            return self._verdict(rule, events, now, allowed=True)
        return self._verdict(rule, events, now, allowed=False)

    async def peek(self, rule: RateLimit, key: str) -> RateVerdict:
        now = self._clock.now()
        events = self._window(rule, key, now)
        return self._verdict(rule, events, now, allowed=len(events) < rule.limit)

    async def clear(self, rule: RateLimit, key: str) -> None:
        self._events.pop((rule.name, key), None)

    def _window(self, rule: RateLimit, key: str, now: datetime) -> deque[datetime]:
        if len(self._events) >= self._max_keys:
            self._forget_idle(now)
        events = self._events.setdefault((rule.name, key), deque())
        while events and events[0] <= now - rule.period:
            events.popleft()
        return events

    def _forget_idle(self, now: datetime) -> None:
        # A flood of distinct keys (spoofed addresses, made-up e-mails) must not grow the process without bound:
        # drop every key idle for a day, then, if that was not enough, the oldest half.
        idle = [key for key, events in self._events.items() if not events or events[-1] <= now - timedelta(days=1)]
        for key in idle:
            del self._events[key]
        if len(self._events) >= self._max_keys:
            by_age = sorted(self._events, key=lambda key: self._events[key][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._events[key]

    @staticmethod
    def _verdict(rule: RateLimit, events: deque[datetime], now: datetime, *, allowed: bool) -> RateVerdict:
        reset_after = events[0] + rule.period - now if events else timedelta(0)
        return RateVerdict(rule, allowed, max(0, rule.limit - len(events)), reset_after)
