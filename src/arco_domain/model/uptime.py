"""Uptime: incidents, their lifecycle and downtime, and the month's uptime percentage.

The rules, all pure:

- Lifecycle (`can_move_incident`): `investigating -> identified -> monitoring -> resolved`. An unresolved
  incident may move to any other stage: forward, skipping stages (a quick fix goes straight to
  `resolved`), or back when a diagnosis or a fix proves wrong. `resolved` is final: a recurrence is a new
  incident, so the history of a resolved one never changes.
- Downtime: every incident is downtime from `started_at` until `resolved_at`, or until now while it is
  open. Whole minutes are counted up (`downtime_minutes`): 30 seconds of downtime show as 1 minute, so a
  short outage is never displayed as none.
- Month uptime (`month_uptime_percent`): the share of the month's elapsed time (the calendar month on the
  client's clock, up to now; the whole month once it is over) that no incident covered. Overlapping incidents
  count once.
  Rounded down to 0.01 %, so the figure is 100.00 exactly when there was no downtime at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_FLOOR, Context, Decimal
from enum import StrEnum

from arco_domain.errors import InvalidTransition, ValidationError
from arco_domain.ids import ClientId, IncidentId, ProjectId

MAX_TITLE = 200
UPTIME_QUANTUM = Decimal("0.01")
_CONTEXT = Context(prec=40, rounding=ROUND_FLOOR)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE_US = 60_000_000


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class IncidentSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def can_move_incident(frm: IncidentStatus, to: IncidentStatus) -> bool:
    """Any move between stages of an unresolved incident; none out of `resolved`."""
    return frm is not IncidentStatus.RESOLVED and to is not frm


def _aware(moment: datetime, field: str) -> None:
    if moment.utcoffset() is None:
        raise ValidationError(f"{field} must be timezone-aware", field=field)


@dataclass(slots=True)
class Incident:
    """An outage or degradation of one of a client's projects, from detection to resolution."""

    id: IncidentId
    client_id: ClientId
    project_id: ProjectId
    title: str
    severity: IncidentSeverity
    started_at: datetime
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    resolved_at: datetime | None = None
    description: str | None = None
    root_cause: str | None = None
    resolution_notes: str | None = None
    affected_users: int | None = None

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title or len(self.title) > MAX_TITLE:
            raise ValidationError(f"incident title must be 1..{MAX_TITLE} characters", field="title")
        _aware(self.started_at, "started_at")
        if (self.status is IncidentStatus.RESOLVED) != (self.resolved_at is not None):
            raise ValidationError("an incident has a resolution time exactly when it is resolved", field="resolved_at")
        if self.resolved_at is not None:
            _aware(self.resolved_at, "resolved_at")
            if self.resolved_at < self.started_at:
                raise ValidationError("an incident cannot be resolved before it started", field="resolved_at")
        users = self.affected_users
        if users is not None and (isinstance(users, bool) or not isinstance(users, int) or users < 0):
            raise ValidationError("affected users must be a non-negative integer", field="affected_users")

    def move(self, to: IncidentStatus, *, at: datetime) -> None:
        """Apply one lifecycle move, or raise `InvalidTransition` (or `ValidationError`) and change nothing."""
        if not can_move_incident(self.status, to):
            raise InvalidTransition(self.status, to, "a resolved incident is final" if self.resolved_at else None)
        if to is IncidentStatus.RESOLVED:
            _aware(at, "resolved_at")
            if at < self.started_at:
                raise ValidationError("an incident cannot be resolved before it started", field="resolved_at")
            self.resolved_at = at
        self.status = to

    def ended_at(self, now: datetime) -> datetime:
        """When the downtime ended: its resolution, or `now` while it lasts."""
        return self.resolved_at if self.resolved_at is not None else max(now, self.started_at)

    def downtime(self, now: datetime) -> timedelta:
        return self.ended_at(now) - self.started_at

    def downtime_minutes(self, now: datetime) -> int:
        return downtime_minutes(self.downtime(now))


def downtime_minutes(duration: timedelta) -> int:
    """Whole minutes of `duration`, any started minute counting as one; zero only for no downtime."""
    if duration < timedelta():
        raise ValidationError("a downtime cannot be negative")
    return -(-(duration // _MICROSECOND) // _MINUTE_US)


def month_window(moment: datetime, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """The calendar month that contains `moment` on the clocks of `zone`, as a half-open `[start, end)` of
    instants in UTC (so that differences between them are elapsed time, daylight saving time included)."""
    _aware(moment, "moment")
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def downtime_within(incidents: Iterable[Incident], start: datetime, end: datetime, now: datetime) -> timedelta:
    """Time in `[start, end)` covered by at least one incident; overlapping incidents count once."""
    spans = sorted(
        (max(i.started_at, start), min(i.ended_at(now), end)) for i in incidents if i.started_at < end
    )  # fmt: skip
    total = timedelta()
    covered_until = start
    for span_start, span_end in spans:
        span_start = max(span_start, covered_until)
        if span_end > span_start:
            total += span_end - span_start
            covered_until = span_end
    return total


def month_uptime_percent(
    incidents: Iterable[Incident], *, month_of: datetime, now: datetime, zone: tzinfo = UTC
) -> Decimal:
    """Uptime of the month (on the clocks of `zone`) containing `month_of`, over the part of it that has elapsed
    by `now`."""
    _aware(now, "now")
    start, end = month_window(month_of, zone)
    elapsed_end = min(end, max(now, start))
    if elapsed_end == start:
        return Decimal(100).quantize(UPTIME_QUANTUM)
    window = (elapsed_end - start) // _MICROSECOND
    down = downtime_within(incidents, start, elapsed_end, now) // _MICROSECOND
    share = _CONTEXT.divide(Decimal((window - down) * 100), Decimal(window))
    return share.quantize(UPTIME_QUANTUM, context=_CONTEXT)
