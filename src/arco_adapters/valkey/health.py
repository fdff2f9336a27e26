"""`ValkeyProbe`: the job queue's server (which also keeps the shared rate limits) answers `PING`."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.asyncio import Redis

log = logging.getLogger("arco.health")


class ValkeyProbe:
    def __init__(self, redis_url: str, *, timeout: timedelta = timedelta(seconds=2)) -> None:
        seconds = timeout.total_seconds()
        self._client = Redis.from_url(redis_url, socket_timeout=seconds, socket_connect_timeout=seconds)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def answers(self) -> bool:
        try:
            await self._client.ping()
        except Exception as error:
            # Any failure means the same to a readiness check; what it was is for the operator's log.
            log.warning("the queue does not answer: %s: %s", type(error).__name__, error)
            return False
        return True
