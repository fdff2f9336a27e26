"""`SandboxTrafficSource`: the `TrafficSource` port with no CDN account, for local use, staging and tests.

The figures are made up but plausible and repeatable: the same hostname, day and hour always give the same
figures, in any process.

- A site's size comes from a hash of its hostname: 2 000 to 50 000 requests on a typical day, 20 to 120 KiB
  served per request on average.
- Each day swings from that by -30 % to +30 % (a hash of hostname and day); Saturdays and Sundays see 60 %.
- Status classes: 3 to 8 % 3xx, 1 to 4 % 4xx, up to 0.5 % 5xx, the rest 2xx.
- Today counts only the UTC hours completed so far, so its figures grow every hour and a later read restates
  the day, as a CDN's analytics do. A day with no completed hour (a day still to come, or today before
  01:00 UTC) has no figures: None.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date

from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.network import DailyTraffic
from arco_ports.clock import Clock

HOURS_PER_DAY = 24
KIB = 1024


def _fractions(*parts: str) -> tuple[float, ...]:
    """Eight numbers in [0, 1] drawn from a hash of `parts`: the same parts, the same numbers."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "big") / 0xFFFFFFFF for i in range(0, len(digest), 4))


class SandboxTrafficSource:
    """Deterministic traffic for any hostname; `clock` says which day is today and how far it has gone."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def _hours_counted(self, day: date) -> int:
        now = self._clock.now().astimezone(UTC)
        if day < now.date():
            return HOURS_PER_DAY
        return now.hour if day == now.date() else 0

    async def daily_traffic(
        self, client_id: ClientId, project_id: ProjectId, hostname: str, day: date
    ) -> DailyTraffic | None:
        hours = self._hours_counted(day)
        if hours == 0:
            return None
        size, weight = _fractions("site", hostname)[:2]
        swing, redirects, client_errors, server_errors = _fractions("day", hostname, day.isoformat())[:4]
        weekend = 0.6 if day.weekday() >= 5 else 1.0
        requests = (2_000 + 48_000 * size) * (0.7 + 0.6 * swing) * weekend * hours / HOURS_PER_DAY
        shares = (0.03 + 0.05 * redirects, 0.01 + 0.03 * client_errors, 0.005 * server_errors)
        requests_3xx, requests_4xx, requests_5xx = (int(requests * share) for share in shares)
        return DailyTraffic(
            client_id=client_id,
            project_id=project_id,
            day=day,
            bandwidth_bytes=int(requests * (20 + 100 * weight) * KIB),
            # Each class is rounded down on its own, so every figure grows with the hours counted.
            requests_2xx=int(requests * (1 - sum(shares))),
            requests_3xx=requests_3xx,
            requests_4xx=requests_4xx,
            requests_5xx=requests_5xx,
        )
