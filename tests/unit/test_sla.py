"""Service-level time: tier SLAs, business calendars, first-response stages and the resolution clock."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import InvalidTransition, ValidationError
from arco_domain.ids import ClientId, TicketId, UserId
from arco_domain.model.clients import Client
from arco_domain.model.sla import BusinessCalendar, SlaPolicy, add_working_time, working_time_between
from arco_domain.model.tickets import (
    Actor,
    SlaStage,
    Ticket,
    TicketPriority,
    TicketStatus,
    resolution_time,
)
from arco_domain.model.tiers import Tier

S = TicketStatus
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
MON_TO_FRI = frozenset(range(5))
FOUR_HOURS = SlaPolicy(first_response=timedelta(hours=4), resolution=timedelta(hours=48))

# The specification's first-response SLA per tier.
SPEC_FIRST_RESPONSE = {
    Tier.FREE: None,
    Tier.BASIC: timedelta(hours=24),
    Tier.PRO: timedelta(hours=4),
    Tier.ENTERPRISE: timedelta(hours=1),
}

utc_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
aware_instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([UTC, BERLIN, SAO_PAULO, ZoneInfo("Asia/Tokyo")]),
)
clock_times = st.times(min_value=time(0, 0), max_value=time(23, 59)).map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    opens = draw(clock_times.filter(lambda t: t < time(23, 59)), label="opens")
    closes = draw(clock_times.filter(lambda t: t > opens), label="closes")
    return BusinessCalendar(
        timezone=draw(st.sampled_from(["America/Sao_Paulo", "Europe/Berlin", "UTC"]), label="zone"),
        working_days=draw(st.frozensets(st.integers(0, 6), min_size=1), label="days"),
        opens=opens,
        closes=closes,
    )


two_weeks = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=14))


def within_a_year_of_work(calendar: BusinessCalendar, duration: timedelta) -> timedelta:
    """Cap `duration` at about a year of the calendar's working time.

    A calendar open one minute a week needs decades to accumulate two weeks of work, which is past the
    three years of windows a calendar searches; such requests are outside what an SLA ever asks.
    """
    length = datetime.combine(datetime.min, calendar.closes) - datetime.combine(datetime.min, calendar.opens)
    return min(duration, length * len(calendar.working_days) * 52)


def client_on(tier: Tier) -> Client:
    return Client(id=ClientId(uuid4()), name="Acme", tier=tier, created_at=CREATED)


def ticket(sla: SlaPolicy = FOUR_HOURS, created_at: datetime = CREATED) -> Ticket:
    return Ticket.open(
        id=TicketId(uuid4()),
        client_id=ClientId(uuid4()),
        created_by=UserId(uuid4()),
        subject="Checkout is slow",
        description="Pages take ten seconds.",
        priority=TicketPriority.MEDIUM,
        created_at=created_at,
        sla=sla,
    )


def replay(target: Ticket, moves: Sequence[tuple[timedelta, Actor, TicketStatus]]) -> Ticket:
    """Apply `(offset from creation, actor, status)` moves to `target`."""
    for offset, actor, status in moves:
        target.move(status, actor=actor, at=target.created_at + offset)
    return target


def mon_to_fri(zone: str = "Europe/Berlin") -> BusinessCalendar:
    return BusinessCalendar(timezone=zone, working_days=MON_TO_FRI, opens=time(9), closes=time(18))


class TestFirstResponseDueTime:
    @given(created_at=utc_instants, tier=st.sampled_from(Tier))
    def test_without_a_calendar_the_due_time_is_creation_plus_the_tier_hours(
        self, created_at: datetime, tier: Tier
    ) -> None:
        policy = client_on(tier).sla_policy(None)
        hours = SPEC_FIRST_RESPONSE[tier]
        assert policy.first_response == hours
        expected = None if hours is None else created_at + hours
        assert policy.response_due_at(created_at) == expected
        assert ticket(policy, created_at).response_due_at == expected

    def test_a_free_ticket_has_no_due_time_and_no_sla_stage(self) -> None:
        free = ticket(client_on(Tier.FREE).sla_policy(None))
        assert free.response_due_at is None
        assert free.first_response_stage(CREATED + timedelta(days=30)) is SlaStage.NONE

    def test_with_a_calendar_the_due_time_counts_only_working_hours(self) -> None:
        friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=BERLIN)
        policy = client_on(Tier.PRO).sla_policy(mon_to_fri())
        assert policy.response_due_at(friday_5pm) == datetime(2026, 3, 9, 12, 0, tzinfo=BERLIN)

    def test_without_a_calendar_a_day_across_the_spring_dst_shift_lasts_24_hours(self) -> None:
        saturday_noon = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
        due = add_working_time(None, saturday_noon, timedelta(hours=24))
        assert due.astimezone(UTC) == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
        assert working_time_between(None, saturday_noon, datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN)) == timedelta(
            hours=23
        )


class TestBusinessCalendar:
    @given(calendar=calendars(), start=aware_instants, duration=two_weeks)
    def test_the_working_time_elapsed_up_to_add_is_exactly_the_added_duration(
        self, calendar: BusinessCalendar, start: datetime, duration: timedelta
    ) -> None:
        duration = within_a_year_of_work(calendar, duration)
        end = calendar.add(start, duration)
        assert end >= start
        assert calendar.elapsed(start, end) == duration

    @given(calendar=calendars(), start=aware_instants, durations=st.lists(two_weeks, min_size=2, max_size=2))
    def test_add_is_monotone_in_the_duration(
        self, calendar: BusinessCalendar, start: datetime, durations: list[timedelta]
    ) -> None:
        shorter, longer = sorted(within_a_year_of_work(calendar, d) for d in durations)
        assert calendar.add(start, shorter) <= calendar.add(start, longer)

    @given(
        calendar=calendars(),
        start=aware_instants,
        offset=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=400)),
    )
    def test_elapsed_never_exceeds_the_wall_clock_and_is_zero_backwards(
        self, calendar: BusinessCalendar, start: datetime, offset: timedelta
    ) -> None:
        end = start.astimezone(UTC) + offset
        elapsed = calendar.elapsed(start, end)
        assert timedelta(0) <= elapsed <= max(end.astimezone(UTC) - start.astimezone(UTC), timedelta(0))

    def test_a_weekend_holds_no_working_time_on_a_weekday_calendar(self) -> None:
        calendar = mon_to_fri()
        friday_close = datetime(2026, 3, 6, 18, 0, tzinfo=BERLIN)
        monday_open = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
        assert calendar.elapsed(friday_close, monday_open) == timedelta(0)
        assert calendar.elapsed(datetime(2026, 3, 7, tzinfo=BERLIN), datetime(2026, 3, 9, tzinfo=BERLIN)) == (
            timedelta(0)
        )

    def test_adding_over_a_weekend_resumes_on_monday(self) -> None:
        calendar = mon_to_fri()
        friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=BERLIN)
        assert calendar.add(friday_5pm, timedelta(hours=2)) == datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)

    def test_a_start_outside_hours_counts_from_the_next_opening(self) -> None:
        calendar = mon_to_fri()
        tuesday_7am = datetime(2026, 3, 3, 7, 0, tzinfo=BERLIN)
        assert calendar.add(tuesday_7am, timedelta(hours=1)) == datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)
        assert calendar.elapsed(tuesday_7am, datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)) == timedelta(hours=1)

    def test_the_spring_dst_day_in_berlin_is_still_counted_exactly(self) -> None:
        every_day = BusinessCalendar("Europe/Berlin", frozenset(range(7)), time(9), time(18))
        saturday_5pm = datetime(2026, 3, 28, 17, 0, tzinfo=BERLIN)
        sunday_10am = datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)
        assert sunday_10am.astimezone(UTC) - saturday_5pm.astimezone(UTC) == timedelta(hours=16)
        assert every_day.elapsed(saturday_5pm, sunday_10am) == timedelta(hours=2)
        assert every_day.add(saturday_5pm, timedelta(hours=2)) == sunday_10am
        assert every_day.add(saturday_5pm, timedelta(hours=2)).astimezone(UTC) == datetime(
            2026, 3, 29, 8, 0, tzinfo=UTC
        )

    def test_a_night_window_across_the_spring_shift_is_one_hour_shorter(self) -> None:
        night = BusinessCalendar("Europe/Berlin", frozenset(range(7)), time(1), time(5))
        sunday = datetime(2026, 3, 29, tzinfo=BERLIN)
        monday = datetime(2026, 3, 30, tzinfo=BERLIN)
        assert night.elapsed(sunday, monday) == timedelta(hours=3)
        assert night.add(sunday, timedelta(hours=3)) == datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN)

    def test_a_night_window_across_the_autumn_shift_is_one_hour_longer(self) -> None:
        night = BusinessCalendar("Europe/Berlin", frozenset(range(7)), time(1), time(5))
        sunday = datetime(2026, 10, 25, tzinfo=BERLIN)
        monday = datetime(2026, 10, 26, tzinfo=BERLIN)
        assert night.elapsed(sunday, monday) == timedelta(hours=5)

    def test_a_window_opening_inside_the_spring_gap_agrees_between_add_and_elapsed(self) -> None:
        # 02:30 does not exist in Berlin on 2026-03-29; the window must not become negative.
        calendar = BusinessCalendar("Europe/Berlin", frozenset(range(7)), time(2, 30), time(3, 10))
        saturday_noon = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
        for minutes in (5, 10, 30):
            end = calendar.add(saturday_noon, timedelta(minutes=minutes))
            assert calendar.elapsed(saturday_noon, end) == timedelta(minutes=minutes)

    def test_elapsed_over_more_than_three_years_counts_them_instead_of_failing(self) -> None:
        calendar = BusinessCalendar("UTC", frozenset(range(7)), time(0), time(1))
        start = datetime(2024, 1, 1, tzinfo=UTC)
        assert calendar.elapsed(start, start + timedelta(days=1200)) == timedelta(hours=1200)

    def test_a_holiday_holds_no_working_time(self) -> None:
        tuesday = datetime(2026, 3, 3, tzinfo=BERLIN)
        calendar = BusinessCalendar(
            "Europe/Berlin", MON_TO_FRI, time(9), time(18), holidays=frozenset({tuesday.date()})
        )
        assert calendar.elapsed(tuesday, tuesday + timedelta(days=1)) == timedelta(0)

    @pytest.mark.parametrize(
        ("zone", "days", "opens", "closes"),
        [
            ("Mars/Olympus_Mons", MON_TO_FRI, time(9), time(18)),
            ("UTC", frozenset(), time(9), time(18)),
            ("UTC", frozenset({7}), time(9), time(18)),
            ("UTC", MON_TO_FRI, time(18), time(9)),
            ("UTC", MON_TO_FRI, time(9), time(9)),
        ],
    )
    def test_a_misconfigured_calendar_is_refused(
        self, zone: str, days: frozenset[int], opens: time, closes: time
    ) -> None:
        with pytest.raises(ValidationError):
            BusinessCalendar(zone, days, opens, closes)


class TestFirstResponseStage:
    def test_a_ticket_is_on_track_before_80_percent_of_its_window(self) -> None:
        fresh = ticket()
        assert fresh.first_response_stage(CREATED) is SlaStage.ON_TRACK
        assert fresh.first_response_stage(CREATED + timedelta(hours=3, minutes=12) - timedelta(microseconds=1)) is (
            SlaStage.ON_TRACK
        )

    def test_a_ticket_is_in_warning_from_80_percent_up_to_its_due_time(self) -> None:
        fresh = ticket()
        assert fresh.first_response_stage(CREATED + timedelta(hours=3, minutes=12)) is SlaStage.WARNING
        assert fresh.first_response_stage(CREATED + timedelta(hours=4)) is SlaStage.WARNING

    def test_a_ticket_is_breached_once_past_its_due_time(self) -> None:
        fresh = ticket()
        assert fresh.first_response_stage(CREATED + timedelta(hours=4, microseconds=1)) is SlaStage.BREACHED

    @given(offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=10)))
    def test_the_stage_without_a_response_depends_only_on_the_share_of_the_window_used(self, offset: timedelta) -> None:
        fresh = ticket()
        stage = fresh.first_response_stage(CREATED + offset)
        if offset > timedelta(hours=4):
            assert stage is SlaStage.BREACHED
        elif offset >= timedelta(hours=4) * 0.8:
            assert stage is SlaStage.WARNING
        else:
            assert stage is SlaStage.ON_TRACK

    @pytest.mark.parametrize(
        ("answered_after", "stage"),
        [
            (timedelta(minutes=5), SlaStage.MET),
            (timedelta(hours=4), SlaStage.MET),
            (timedelta(hours=4, seconds=1), SlaStage.BREACHED),
        ],
    )
    def test_after_a_response_the_stage_is_met_or_breached_for_good(
        self, answered_after: timedelta, stage: SlaStage
    ) -> None:
        answered = ticket()
        answered.first_response_at = CREATED + answered_after
        for now in (CREATED + answered_after, CREATED + timedelta(days=30)):
            assert answered.first_response_stage(now) is stage

    def test_the_warning_point_follows_the_business_calendar(self) -> None:
        friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=BERLIN)
        on_calendar = ticket(SlaPolicy(timedelta(hours=4), None, mon_to_fri()), created_at=friday_5pm)
        assert on_calendar.response_due_at == datetime(2026, 3, 9, 12, 0, tzinfo=BERLIN)
        assert on_calendar.first_response_stage(datetime(2026, 3, 8, 23, 0, tzinfo=BERLIN)) is SlaStage.ON_TRACK
        warning_at = datetime(2026, 3, 9, 11, 12, tzinfo=BERLIN)
        assert on_calendar.first_response_stage(warning_at - timedelta(seconds=1)) is SlaStage.ON_TRACK
        assert on_calendar.first_response_stage(warning_at) is SlaStage.WARNING


class TestResolutionClock:
    WITH_WAIT = (
        (timedelta(hours=1), Actor.STAFF, S.IN_PROGRESS),
        (timedelta(hours=3), Actor.STAFF, S.WAITING_CLIENT),
        (timedelta(hours=10), Actor.CLIENT, S.IN_PROGRESS),
        (timedelta(hours=12), Actor.STAFF, S.RESOLVED),
    )

    def test_the_clock_runs_while_the_ticket_is_open(self) -> None:
        fresh = ticket()
        assert fresh.resolution_time(CREATED) == timedelta(0)
        assert fresh.resolution_time(CREATED + timedelta(hours=5)) == timedelta(hours=5)

    def test_time_waiting_on_the_client_is_not_counted(self) -> None:
        waiting = replay(ticket(), self.WITH_WAIT[:2])
        assert waiting.resolution_time(CREATED + timedelta(hours=3)) == timedelta(hours=3)
        assert waiting.resolution_time(CREATED + timedelta(hours=9)) == timedelta(hours=3)
        back = replay(ticket(), self.WITH_WAIT[:3])
        assert back.resolution_time(CREATED + timedelta(hours=11)) == timedelta(hours=4)

    def test_the_clock_stops_at_resolution_and_stays_stopped_when_closed(self) -> None:
        resolved = replay(ticket(), self.WITH_WAIT)
        assert resolved.resolution_time(CREATED + timedelta(hours=12)) == timedelta(hours=5)
        assert resolved.resolution_time(CREATED + timedelta(days=6)) == timedelta(hours=5)
        resolved.move(S.CLOSED, actor=Actor.SYSTEM, at=CREATED + timedelta(days=8))
        assert resolved.resolution_time(CREATED + timedelta(days=30)) == timedelta(hours=5)

    def test_a_reopen_starts_the_clock_again(self) -> None:
        reopened = replay(
            ticket(),
            (
                *self.WITH_WAIT,
                (timedelta(hours=20), Actor.CLIENT, S.OPEN),
                (timedelta(hours=21), Actor.STAFF, S.IN_PROGRESS),
            ),
        )
        assert reopened.resolution_time(CREATED + timedelta(hours=23)) == timedelta(hours=8)
        reopened.move(S.RESOLVED, actor=Actor.STAFF, at=CREATED + timedelta(hours=24))
        assert reopened.resolution_time(CREATED + timedelta(days=3)) == timedelta(hours=9)

    def test_waiting_time_is_excluded_on_a_business_calendar_too(self) -> None:
        policy = SlaPolicy(timedelta(hours=4), timedelta(hours=48), mon_to_fri("UTC"))
        moves = (
            (timedelta(hours=2), Actor.STAFF, S.WAITING_CLIENT),  # Monday 11:00
            (timedelta(days=1), Actor.CLIENT, S.IN_PROGRESS),  # Tuesday 09:00
            (timedelta(days=4, hours=8), Actor.STAFF, S.RESOLVED),  # Friday 17:00
        )
        worked = replay(ticket(policy), [(timedelta(hours=1), Actor.STAFF, S.IN_PROGRESS), *moves])
        # Monday 09:00-11:00, then Tuesday 09:00 to Friday 17:00: 2 + 9 * 3 + 8 hours.
        assert worked.resolution_time(CREATED + timedelta(days=10)) == timedelta(hours=37)

    @given(
        steps=st.lists(
            st.tuples(
                st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
                st.sampled_from(Actor),
                st.sampled_from(TicketStatus),
            ),
            max_size=15,
        ),
        later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    )
    def test_the_clock_is_rebuilt_purely_from_the_history(
        self, steps: list[tuple[timedelta, Actor, TicketStatus]], later: timedelta
    ) -> None:
        first, second = ticket(), ticket()
        at = CREATED
        for gap, actor, status in steps:
            at += gap
            for twin in (first, second):
                with contextlib.suppress(InvalidTransition):
                    twin.move(status, actor=actor, at=at)
        assert first.history == second.history
        now = at + later
        expected = first.resolution_time(now)
        assert second.resolution_time(now) == expected
        assert resolution_time(first.created_at, list(first.history), now, first.sla) == expected
        assert timedelta(0) <= expected <= now - CREATED

    def test_the_resolution_stage_is_met_when_resolved_within_target(self) -> None:
        resolved = replay(ticket(), self.WITH_WAIT)
        assert resolved.resolution_stage(CREATED + timedelta(days=30)) is SlaStage.MET

    def test_the_resolution_stage_is_breached_once_working_time_exceeds_target(self) -> None:
        slow = replay(ticket(), self.WITH_WAIT[:1])
        assert slow.resolution_stage(CREATED + timedelta(hours=38, minutes=24)) is SlaStage.WARNING
        assert slow.resolution_stage(CREATED + timedelta(hours=48, seconds=1)) is SlaStage.BREACHED
