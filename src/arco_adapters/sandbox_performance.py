"""`SandboxPerformanceProbe`: the `PerformanceProbe` port without Google, for staging and local installs.

It measures nothing: each sample is made up, deterministically, from a hash of the URL and the UTC day. The
URL gives a site its character (fast or slow, with field data or without, as a site with few visitors has
none); the day moves each figure a little around it. So the dashboard shows believable, steady series, the
same URL on the same day always gives the same sample, and every grade from A+ to F turns up across sites.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from decimal import Decimal

from arco_domain.model.performance import PerformanceSample
from arco_ports.clock import Clock

NO_FIELD_DATA_SHARE = 0.2
"""Sites with too few visitors for field data: their vitals are None, as PageSpeed Insights gives them."""

NO_INP_SHARE = 0.1
"""Sites with field data but too few interactions for an INP figure."""

DAILY_SWING = 0.2
"""How far a day moves a site's quality (0 best, 1 worst) up or down, at most half of it each way."""


def _fractions(text: str) -> list[float]:
    """Sixteen numbers in [0, 1) drawn from the SHA-256 of `text`."""
    digest = hashlib.sha256(text.encode()).digest()
    return [int.from_bytes(digest[i : i + 2], "big") / 65536 for i in range(0, 32, 2)]


def _between(low: str, high: str, share: float, places: str) -> Decimal:
    low_value, high_value = Decimal(low), Decimal(high)
    return (low_value + (high_value - low_value) * Decimal(str(share))).quantize(Decimal(places))


class SandboxPerformanceProbe:
    """Made-up but plausible samples (see the module's docstring); never fails, never touches the network."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    async def measure(self, url: str) -> PerformanceSample:
        day = self._clock.now().astimezone(UTC).date()
        site = _fractions(url)
        today = _fractions(f"{url}|{day.isoformat()}")
        quality = site[0] ** 2  # most sites are decent, a few are slow

        def worse(metric: int) -> float:
            """The site's quality today for one metric: 0 is best, 1 worst."""
            return min(max(quality + (today[metric] - 0.5) * DAILY_SWING, 0.0), 1.0)

        has_field_data = site[1] >= NO_FIELD_DATA_SHARE
        return PerformanceSample(
            lcp_seconds=_between("1.1", "5.5", worse(0), "0.01") if has_field_data else None,
            inp_ms=_between("60", "650", worse(1), "1") if has_field_data and site[2] >= NO_INP_SHARE else None,
            cls=_between("0", "0.35", worse(2) ** 2, "0.01") if has_field_data else None,
            lighthouse_performance=int(_between("100", "35", worse(3), "1")),
            lighthouse_accessibility=int(_between("100", "70", (site[4] + worse(4)) / 2, "1")),
            lighthouse_best_practices=int(_between("100", "75", (site[5] + worse(5)) / 2, "1")),
            lighthouse_seo=int(_between("100", "80", (site[6] + worse(6)) / 2, "1")),
        )
