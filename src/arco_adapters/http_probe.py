"""`HttpUptimeProbe`: the `UptimeProbe` port over HTTP with httpx.

A site is up when a `GET` of its URL ends, after following redirects, in a 2xx or 3xx answer. Anything else
is down, with the reason: a 4xx or 5xx status, a timeout, a refused or failed connection (DNS, TLS), too many
redirects. The body is never downloaded: the status line and headers say all the check needs.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from arco_ports.monitoring import ProbeResult

USER_AGENT = "ARCO-Uptime/1.0 (+https://arco.app)"


class HttpUptimeProbe:
    """Probes sites with one `httpx.AsyncClient` (its own pool, explicit timeouts, closed by `aclose`).

    `connect_timeout` bounds connecting (DNS, TCP and TLS), `read_timeout` each wait for data, and `deadline`
    the whole check, redirects included, so a site that answers one byte at a time is still down in time.
    `transport` replaces the network (tests point every host at a local server with it).
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        deadline: float = 30.0,
        max_redirects: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._deadline = deadline
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def check(self, url: str) -> ProbeResult:
        started = time.perf_counter()

        def result(status_code: int | None, error: str | None) -> ProbeResult:
            up = status_code is not None and 200 <= status_code < 400 and error is None
            return ProbeResult(up, status_code, timedelta(seconds=time.perf_counter() - started), error)

        try:
            async with asyncio.timeout(self._deadline), self._http.stream("GET", url) as response:
                status = response.status_code
        except (httpx.TimeoutException, TimeoutError):
            return result(None, "timed out")
        except httpx.TooManyRedirects:
            return result(None, "too many redirects")
        except httpx.InvalidURL as error:
            return result(None, f"invalid URL: {error}")
        except httpx.TransportError as error:
            return result(None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
        except Exception as error:
            # The port promises never to raise: whatever else a site makes the client do is that site's
            # failure, and must not stop the checks of every other site in the same run.
            return result(None, f"{type(error).__name__}: {error}")
        return result(status, None if 200 <= status < 400 else f"HTTP {status}")
