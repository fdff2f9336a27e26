"""Network usage: daily traffic per project and its month view on the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, ProjectId


@dataclass(frozen=True, slots=True)
class DailyTraffic:
    """One project's traffic on one day. Re-recording the same day replaces it (sources restate)."""

    client_id: ClientId
    project_id: ProjectId
    day: date
    bandwidth_bytes: int
    requests_2xx: int
    requests_3xx: int
    requests_4xx: int
    requests_5xx: int

    def __post_init__(self) -> None:
        counts = (self.bandwidth_bytes, self.requests_2xx, self.requests_3xx, self.requests_4xx, self.requests_5xx)
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
            raise ValidationError("traffic figures must be non-negative integers")

    @property
    def requests_total(self) -> int:
        return self.requests_2xx + self.requests_3xx + self.requests_4xx + self.requests_5xx


@dataclass(frozen=True, slots=True)
class TrafficTotals:
    """Traffic summed over a period, all projects of a client together."""

    bandwidth_bytes: int
    requests_2xx: int
    requests_3xx: int
    requests_4xx: int
    requests_5xx: int
    busiest_day: date | None

    @property
    def requests_total(self) -> int:
        return self.requests_2xx + self.requests_3xx + self.requests_4xx + self.requests_5xx
