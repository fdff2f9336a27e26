"""`HttpUptimeProbe`: the `UptimeProbe` port over HTTP, through the `OutboundGuard`.

A site is up when a `GET` of its URL ends, after following redirects, in a 2xx or 3xx answer. Anything else
is down, with the reason: a 4xx or 5xx status, a timeout, a refused or failed connection (DNS, TLS), too many
redirects, or an address the guard refuses to reach (a domain pointed at a private network is down, never
probed). The body is never downloaded: the status line and headers say all the check needs.
"""

from __future__ import annotations

import time
from datetime import timedelta

from arco_adapters.outbound import MAX_SECONDS, OutboundFailed, OutboundGuard, OutboundRefused
from arco_ports.monitoring import ProbeResult

USER_AGENT = "ARCO-Uptime/1.0 (+https://arco.app)"


class HttpUptimeProbe:
    """Probes sites through `guard`, each check within `deadline` seconds, redirects included, so a site that
    answers one byte at a time is still down in time. The guard is the caller's to close."""

    def __init__(self, guard: OutboundGuard, *, deadline: float = MAX_SECONDS) -> None:
        self._guard = guard
        self._deadline = deadline

    async def check(self, url: str) -> ProbeResult:
        started = time.perf_counter()

        def result(status_code: int | None, error: str | None) -> ProbeResult:
            up = status_code is not None and 200 <= status_code < 400 and error is None
            return ProbeResult(up, status_code, timedelta(seconds=time.perf_counter() - started), error)

        try:
            answer = await self._guard.fetch(
                url, max_bytes=0, timeout=self._deadline, headers={"User-Agent": USER_AGENT}
            )
        except (OutboundRefused, OutboundFailed) as error:
            return result(None, error.reason)
        except Exception as error:
            # The port promises never to raise: whatever else a site makes the client do is that site's
            # failure, and must not stop the checks of every other site in the same run.
            return result(None, f"{type(error).__name__}: {error}")
        status = answer.status
        return result(status, None if 200 <= status < 400 else f"HTTP {status}")
