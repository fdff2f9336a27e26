"""`SandboxUptimeProbe`: the `UptimeProbe` port without the network, for staging, tests and local installs.

Like the other sandboxes it reaches no one: outside production ARCO never probes the sites clients name.
Every site is up, answering 200 in a time made up from a hash of its URL (the same URL always takes the same
time), except a site whose host name starts with a `down` label (`down.shop.example`), which is always down
with a 503: so an outage and its incident can be shown on purpose.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from arco_ports.monitoring import ProbeResult

FASTEST_MS = 80
SLOWEST_MS = 600
DOWN_LABEL = "down"


class SandboxUptimeProbe:
    """Made-up, deterministic checks (see the module's docstring); never fails, never touches the network."""

    async def check(self, url: str) -> ProbeResult:
        digest = hashlib.sha256(url.encode()).digest()
        elapsed = timedelta(milliseconds=FASTEST_MS + int.from_bytes(digest[:2], "big") % (SLOWEST_MS - FASTEST_MS))
        if _first_label(url) == DOWN_LABEL:
            return ProbeResult(False, 503, elapsed, "HTTP 503")
        return ProbeResult(True, 200, elapsed)


def _first_label(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed URL is up like any other: the sandbox judges no input
        return ""
    return host.split(".")[0]
