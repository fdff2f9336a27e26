"""Service-level time: business-hours calendars and the SLA policy a ticket carries.

All arithmetic happens on UTC instants; a calendar only decides which instants count as working time,
so daylight-saving shifts change the length of a working day, never the result's correctness.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arco_domain.errors import ValidationError

_MAX_SEARCH_DAYS = 3 * 366  # three years without working time means a misconfigured calendar


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working hours in one time zone: the same opening hours on each working weekday (0 = Monday)."""

    timezone: str
    working_days: frozenset[int]
    opens: time
    closes: time
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"unknown time zone {self.timezone!r}", field="timezone") from exc
        if not self.working_days or not self.working_days <= set(range(7)):
            raise ValidationError("working days must be a non-empty subset of 0..6", field="working_days")
        if self.opens >= self.closes:
            raise ValidationError("a working day must close after it opens", field="closes")

    def _windows_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows in UTC, in order, from the local day that contains `moment`, without end."""
        zone = ZoneInfo(self.timezone)
        day = moment.astimezone(zone).date()
        days_without_work = 0
        while days_without_work < _MAX_SEARCH_DAYS:
            opens = datetime.combine(day, self.opens, zone).astimezone(UTC)
            closes = datetime.combine(day, self.closes, zone).astimezone(UTC)
            # A window that opens inside a spring-forward gap can map past its own closing: no work then.
            if day.weekday() in self.working_days and day not in self.holidays and opens < closes:
                days_without_work = 0
                yield opens, closes
            else:
                days_without_work += 1
            day += timedelta(days=1)
        raise ValidationError("the calendar has no working time in three years")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has passed since `start`."""
        remaining = duration
        cursor = start.astimezone(UTC)
        for opens, closes in self._windows_from(cursor):
            if closes <= cursor:
                continue
            begin = max(cursor, opens)
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
            cursor = closes
        raise AssertionError("unreachable: the window iterator raises when exhausted")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (zero when `end` is not after `start`)."""
        total = timedelta()
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        return total


def add_working_time(calendar: BusinessCalendar | None, start: datetime, duration: timedelta) -> datetime:
    return start.astimezone(UTC) + duration if calendar is None else calendar.add(start, duration)


def working_time_between(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> timedelta:
    if calendar is None:
        return max(end.astimezone(UTC) - start.astimezone(UTC), timedelta())
    return calendar.elapsed(start, end)


WARNING_FRACTION = 0.8
"""Share of the first-response window after which a ticket is flagged as at risk."""


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """The service levels promised for one ticket, snapshotted on it when it is created."""

    first_response: timedelta | None
    resolution: timedelta | None
    calendar: BusinessCalendar | None = None

    def response_due_at(self, created_at: datetime) -> datetime | None:
        if self.first_response is None:
            return None
        return add_working_time(self.calendar, created_at, self.first_response)

    def response_warning_at(self, created_at: datetime) -> datetime | None:
        if self.first_response is None:
            return None
        return add_working_time(self.calendar, created_at, self.first_response * WARNING_FRACTION)
