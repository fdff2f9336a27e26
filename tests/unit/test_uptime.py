"""Incidents, downtime and the month's uptime: the rules of `arco_domain.model.uptime` as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import InvalidTransition, ValidationError
from arco_domain.ids import ClientId, IncidentId, ProjectId
from arco_domain.model.uptime import (
    Incident,
    IncidentSeverity,
    IncidentStatus,
    can_move_incident,
    downtime_minutes,
    downtime_within,
    month_uptime_percent,
    month_window,
)

S = IncidentStatus
MAY = datetime(2026, 5, 1, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, tzinfo=UTC)
MAY_MINUTES = 31 * 24 * 60


def incident(started: datetime, resolved: datetime | None = None) -> Incident:
    return Incident(
        id=IncidentId(uuid4()), client_id=ClientId(uuid4()), project_id=ProjectId(uuid4()), title="Site down",
        severity=IncidentSeverity.HIGH, started_at=started, status=S.RESOLVED if resolved else S.INVESTIGATING,
        resolved_at=resolved,
    )  # fmt: skip


def at_minute(minute: int) -> datetime:
    return MAY + timedelta(minutes=minute)


# Incidents on a minute grid from mid-April to mid-June, some still open.
spans = st.tuples(
    st.integers(min_value=-20_000, max_value=MAY_MINUTES + 20_000),
    st.one_of(st.none(), st.integers(min_value=0, max_value=5_000)),
)
incident_lists = st.lists(spans, max_size=8).map(
    lambda pairs: [incident(at_minute(s), None if d is None else at_minute(s + d)) for s, d in pairs]
)
moments_in_may = st.integers(min_value=0, max_value=MAY_MINUTES).map(at_minute)


def covered_minutes(incidents: list[Incident], now: datetime) -> int:
    """Brute force: the May minutes before `now` that some incident covers."""
    end = min(now, JUNE)
    minutes: set[int] = set()
    for i in incidents:
        first = max(i.started_at, MAY)
        last = min(i.ended_at(now), end)
        minutes.update(range(int((first - MAY).total_seconds()) // 60, int((last - MAY).total_seconds()) // 60))
    return len(minutes)


class TestMonthWindow:
    @given(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
    def test_the_window_is_the_utc_calendar_month_containing_the_moment(self, moment: datetime) -> None:
        start, end = month_window(moment)
        assert start <= moment < end
        assert (start.day, start.hour, start.minute, start.microsecond) == (1, 0, 0, 0)
        assert end.day == 1 and 28 <= (end - start).days <= 31

    def test_december_ends_on_the_first_of_january(self) -> None:
        assert month_window(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == (
            datetime(2026, 12, 1, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
        )

    def test_a_naive_moment_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            month_window(datetime(2026, 5, 4))


class TestDowntimeMinutes:
    @given(st.integers(min_value=0, max_value=10**12).map(lambda us: timedelta(microseconds=us)))
    def test_every_started_minute_counts_and_only_no_downtime_is_zero(self, duration: timedelta) -> None:
        minutes = downtime_minutes(duration)
        assert timedelta(minutes=minutes - 1) < duration <= timedelta(minutes=minutes) or duration == timedelta()
        assert (minutes == 0) == (duration == timedelta())

    def test_thirty_seconds_of_downtime_show_as_one_minute(self) -> None:
        assert downtime_minutes(timedelta(seconds=30)) == 1
        assert downtime_minutes(timedelta(minutes=90)) == 90

    def test_an_open_incident_counts_its_downtime_until_now(self) -> None:
        ongoing = incident(at_minute(10))
        assert ongoing.downtime_minutes(at_minute(55)) == 45
        assert ongoing.downtime_minutes(at_minute(5)) == 0


class TestMonthUptime:
    @given(incident_lists, moments_in_may)
    def test_uptime_is_a_percentage_with_two_places(self, incidents: list[Incident], now: datetime) -> None:
        uptime = month_uptime_percent(incidents, month_of=MAY, now=now)
        assert Decimal(0) <= uptime <= Decimal(100)
        assert uptime.as_tuple().exponent == -2

    @given(incident_lists, moments_in_may)
    def test_uptime_is_100_exactly_when_no_incident_covered_the_elapsed_month(
        self, incidents: list[Incident], now: datetime
    ) -> None:
        uptime = month_uptime_percent(incidents, month_of=MAY, now=now)
        assert (uptime == 100) == (covered_minutes(incidents, now) == 0)

    @given(incident_lists, moments_in_may)
    def test_downtime_is_the_union_of_the_incidents_counted_once(
        self, incidents: list[Incident], now: datetime
    ) -> None:
        assert downtime_within(incidents, MAY, min(now, JUNE), now) == timedelta(
            minutes=covered_minutes(incidents, now)
        )

    @given(incident_lists, moments_in_may)
    def test_uptime_is_the_share_of_uncovered_elapsed_time_rounded_down(
        self, incidents: list[Incident], now: datetime
    ) -> None:
        elapsed = int((now - MAY).total_seconds()) // 60
        uptime = month_uptime_percent(incidents, month_of=MAY, now=now)
        if elapsed == 0:
            assert uptime == 100
        else:
            exact = Decimal((elapsed - covered_minutes(incidents, now)) * 100) / Decimal(elapsed)
            assert uptime <= exact < uptime + Decimal("0.01")

    @given(incident_lists, spans, moments_in_may)
    def test_another_incident_never_raises_the_uptime(
        self, incidents: list[Incident], extra: tuple[int, int | None], now: datetime
    ) -> None:
        start, duration = extra
        more = [*incidents, incident(at_minute(start), None if duration is None else at_minute(start + duration))]
        assert month_uptime_percent(more, month_of=MAY, now=now) <= month_uptime_percent(
            incidents, month_of=MAY, now=now
        )

    @given(incident_lists, moments_in_may)
    def test_order_and_repetition_of_incidents_do_not_matter(self, incidents: list[Incident], now: datetime) -> None:
        once = month_uptime_percent(incidents, month_of=MAY, now=now)
        assert month_uptime_percent([*reversed(incidents), *incidents], month_of=MAY, now=now) == once

    def test_a_past_month_is_measured_over_its_whole_length(self) -> None:
        outage = incident(at_minute(0), at_minute(MAY_MINUTES // 100))  # 1 % of May
        later = datetime(2026, 7, 15, tzinfo=UTC)
        assert month_uptime_percent([outage], month_of=MAY, now=later) == Decimal("99.00")

    def test_an_incident_of_a_few_seconds_takes_the_month_below_100(self) -> None:
        blip = incident(at_minute(60), at_minute(60) + timedelta(seconds=2))
        assert month_uptime_percent([blip], month_of=MAY, now=JUNE) == Decimal("99.99")

    def test_incidents_outside_the_month_do_not_count(self) -> None:
        april = incident(MAY - timedelta(days=2), MAY - timedelta(days=1))
        june = incident(JUNE + timedelta(hours=1), JUNE + timedelta(hours=2))
        assert month_uptime_percent([april, june], month_of=MAY, now=JUNE + timedelta(days=3)) == Decimal("100.00")

    def test_the_first_instant_of_a_month_has_full_uptime(self) -> None:
        assert month_uptime_percent([incident(MAY - timedelta(hours=1))], month_of=MAY, now=MAY) == Decimal("100.00")


lifecycle_moves = st.lists(st.tuples(st.sampled_from(list(S)), st.integers(min_value=-60, max_value=600)))


class TestIncidentLifecycle:
    @given(lifecycle_moves)
    def test_any_sequence_of_moves_keeps_the_resolution_consistent_and_resolved_final(
        self, moves: list[tuple[IncidentStatus, int]]
    ) -> None:
        subject = incident(at_minute(0))
        for to, minute in moves:
            before = (subject.status, subject.resolved_at)
            allowed = can_move_incident(subject.status, to)
            try:
                subject.move(to, at=at_minute(minute))
            except (InvalidTransition, ValidationError):
                assert (subject.status, subject.resolved_at) == before
                assert not allowed or (to is S.RESOLVED and minute < 0)
            else:
                assert allowed
                assert before[0] is not S.RESOLVED
            assert (subject.status is S.RESOLVED) == (subject.resolved_at is not None)
            if subject.resolved_at is not None:
                assert subject.resolved_at >= subject.started_at

    def test_an_incident_goes_through_its_stages_and_resolution_stops_the_downtime(self) -> None:
        subject = incident(at_minute(0))
        for stage, minute in ((S.IDENTIFIED, 5), (S.MONITORING, 20), (S.RESOLVED, 42)):
            subject.move(stage, at=at_minute(minute))
        assert (subject.status, subject.resolved_at) == (S.RESOLVED, at_minute(42))
        assert subject.downtime_minutes(at_minute(1_000)) == 42

    def test_a_quick_fix_may_resolve_straight_from_investigating(self) -> None:
        subject = incident(at_minute(0))
        subject.move(S.RESOLVED, at=at_minute(3))
        assert subject.status is S.RESOLVED

    def test_a_fix_that_does_not_hold_goes_back_from_monitoring(self) -> None:
        subject = incident(at_minute(0))
        subject.move(S.MONITORING, at=at_minute(10))
        subject.move(S.INVESTIGATING, at=at_minute(20))
        assert subject.status is S.INVESTIGATING

    def test_a_resolved_incident_is_final(self) -> None:
        subject = incident(at_minute(0), at_minute(10))
        with pytest.raises(InvalidTransition):
            subject.move(S.INVESTIGATING, at=at_minute(20))
        assert subject.resolved_at == at_minute(10)

    def test_an_incident_cannot_be_resolved_before_it_started(self) -> None:
        with pytest.raises(ValidationError):
            incident(at_minute(10), at_minute(5))
        subject = incident(at_minute(10))
        with pytest.raises(ValidationError):
            subject.move(S.RESOLVED, at=at_minute(5))
        assert subject.status is S.INVESTIGATING

    @pytest.mark.parametrize(
        ("status", "resolved"), [(S.RESOLVED, None), (S.MONITORING, datetime(2026, 5, 2, tzinfo=UTC))]
    )
    def test_a_resolution_time_goes_with_the_resolved_status_only(
        self, status: IncidentStatus, resolved: datetime | None
    ) -> None:
        with pytest.raises(ValidationError):
            Incident(
                id=IncidentId(uuid4()), client_id=ClientId(uuid4()), project_id=ProjectId(uuid4()), title="Down",
                severity=IncidentSeverity.LOW, started_at=MAY, status=status, resolved_at=resolved,
            )  # fmt: skip

    def test_a_blank_title_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Incident(
                id=IncidentId(uuid4()), client_id=ClientId(uuid4()), project_id=ProjectId(uuid4()), title="  ",
                severity=IncidentSeverity.LOW, started_at=MAY,
            )  # fmt: skip
