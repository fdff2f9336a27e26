"""`ValkeyRateLimiter`: the `RateLimiter` port on the job queue's Redis/Valkey, through the `limits` library.

Moving windows (a sorted list of event times per key, kept by `limits`' Lua scripts), so every process of the
deployment shares one count. While the server cannot be reached, each process counts with its `fallback` instead
(in memory; logged each time it gives up on the server) and tries the server again after a short pause, so a limiter
outage neither locks everyone out nor lifts the limits.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from arco_domain.model.throttling import RateLimit, RateVerdict
from arco_ports.rate_limiter import RateLimiter

log = logging.getLogger("arco.rate_limits")

KEY_PREFIX = "arco-limits"


def storage_uri(redis_url: str) -> str:
    """`limits`' name for the same server as a redis-py URL (`redis://`, `rediss://`, `unix://`)."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


class ValkeyRateLimiter:
    def __init__(
        self, redis_url: str, *, fallback: RateLimiter, timeout: timedelta = timedelta(milliseconds=250),
        retry_after: timedelta = timedelta(seconds=30),
    ) -> None:  # fmt: skip
        seconds = timeout.total_seconds()
        self._storage = RedisStorage(
            storage_uri(redis_url), wrap_exceptions=True, implementation="redispy", key_prefix=KEY_PREFIX,
            socket_timeout=seconds, socket_connect_timeout=seconds,
        )  # fmt: skip
        self._shared = MovingWindowRateLimiter(self._storage)
        self._local = fallback
        self._retry_after = retry_after.total_seconds()
        self._down_until = 0.0

    async def aclose(self) -> None:
        bridge: Any = self._storage.bridge
        client = bridge.storage
        await client.aclose()

    async def hit(self, rule: RateLimit, key: str) -> RateVerdict:
        if self._shared_is_down():
            return await self._local.hit(rule, key)
        item = _item(rule)
        try:
            allowed = await self._shared.hit(item, rule.name, key)
            return await self._verdict(rule, key, allowed)
        except StorageError as error:
            self._fall_back(error)
            return await self._local.hit(rule, key)

    async def peek(self, rule: RateLimit, key: str) -> RateVerdict:
        if self._shared_is_down():
            return await self._local.peek(rule, key)
        try:
            return await self._verdict(rule, key, None)
        except StorageError as error:
            self._fall_back(error)
            return await self._local.peek(rule, key)

    async def clear(self, rule: RateLimit, key: str) -> None:
        await self._local.clear(rule, key)
        if self._shared_is_down():
            return
        try:
            await self._shared.clear(_item(rule), rule.name, key)
        except StorageError as error:
            self._fall_back(error)

    async def _verdict(self, rule: RateLimit, key: str, allowed: bool | None) -> RateVerdict:
        stats = await self._shared.get_window_stats(_item(rule), rule.name, key)
        remaining = max(0, stats.remaining)
        reset_after = timedelta(seconds=max(0.0, stats.reset_time - time.time())) if remaining < rule.limit else None
        return RateVerdict(rule, remaining > 0 if allowed is None else allowed, remaining, reset_after or timedelta(0))

    def _shared_is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _fall_back(self, error: StorageError) -> None:
        self._down_until = time.monotonic() + self._retry_after
        log.warning(
            "rate-limit server unreachable (%s); counting in this process for %.0f s",
            error.storage_error, self._retry_after,
        )  # fmt: skip


def _item(rule: RateLimit) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(rule.limit, int(rule.period.total_seconds()))
