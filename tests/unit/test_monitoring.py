"""Uptime monitors: the rules of `arco_domain.model.monitoring` as properties over any run of check results."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, DomainId, IncidentId, ProjectId
from arco_domain.model.domains import Domain, DomainStatus, HostnameStatus, SslStatus
from arco_domain.model.monitoring import (
    FAILURES_TO_OPEN,
    CheckStatus,
    MonitorDecision,
    UptimeMonitor,
    record_check,
    site_url,
)
from arco_domain.model.projects import Project, ProjectStatus

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
EVERY = timedelta(minutes=5)


def new_monitor() -> UptimeMonitor:
    return UptimeMonitor(ClientId(uuid4()), ProjectId(uuid4()), "https://shop.example.com")


@dataclass
class Replay:
    """A monitor fed a run of results, with the incidents it opened (by id: opened, resolved)."""

    monitor: UptimeMonitor = field(default_factory=new_monitor)
    opened: dict[IncidentId, datetime] = field(default_factory=dict)
    resolved: dict[IncidentId, datetime] = field(default_factory=dict)

    def check(self, up: bool, at: datetime) -> MonitorDecision:
        decision = record_check(self.monitor, up, at)
        self.monitor = decision.monitor
        if decision.opens_at is not None:
            incident = IncidentId(uuid4())
            self.opened[incident] = decision.opens_at
            self.monitor = decision.link(incident)
        if decision.resolves is not None:
            self.resolved[decision.resolves] = at
        return decision

    @property
    def open_incidents(self) -> set[IncidentId]:
        return set(self.opened) - set(self.resolved)


results = st.lists(st.booleans(), max_size=60)
gaps = st.integers(min_value=1, max_value=3_600).map(lambda s: timedelta(seconds=s))


class TestRecordCheck:
    @given(results)
    def test_at_most_one_incident_is_open_at_any_time(self, ups: list[bool]) -> None:
        replay = Replay()
        for n, up in enumerate(ups):
            replay.check(up, T0 + n * EVERY)
            assert len(replay.open_incidents) <= 1
            assert replay.monitor.open_incident_id == next(iter(replay.open_incidents), None)

    @given(results)
    def test_an_incident_opens_exactly_when_a_run_of_failures_reaches_three(self, ups: list[bool]) -> None:
        replay = Replay()
        run = runs_of_three = 0
        for n, up in enumerate(ups):
            run = 0 if up else run + 1
            runs_of_three += run == FAILURES_TO_OPEN
            decision = replay.check(up, T0 + n * EVERY)
            assert (decision.opens_at is not None) == (run == FAILURES_TO_OPEN)
            assert replay.monitor.consecutive_failures == run
        assert len(replay.opened) == runs_of_three

    @given(results)
    def test_every_open_incident_is_resolved_by_the_next_success(self, ups: list[bool]) -> None:
        replay = Replay()
        for n, up in enumerate(ups):
            was_open = replay.monitor.open_incident_id
            decision = replay.check(up, T0 + n * EVERY)
            if up:
                assert decision.resolves == was_open
                assert replay.open_incidents == set()
            else:
                assert decision.resolves is None
        if ups and ups[-1]:
            assert replay.opened.keys() == replay.resolved.keys()

    @given(results)
    def test_on_a_regular_schedule_an_incident_starts_at_the_first_failure_of_its_run(self, ups: list[bool]) -> None:
        replay = Replay()
        run_started: datetime | None = None
        for n, up in enumerate(ups):
            at = T0 + n * EVERY
            run_started = None if up else run_started or at
            decision = replay.check(up, at)
            if decision.opens_at is not None:
                assert decision.opens_at == run_started

    @given(st.lists(st.tuples(st.booleans(), gaps), max_size=40))
    def test_on_any_schedule_an_incident_starts_before_the_failure_that_preceded_its_opening(
        self, checks: list[tuple[bool, timedelta]]
    ) -> None:
        replay = Replay()
        at = T0
        for up, gap in checks:
            previous, at = at, at + gap
            decision = replay.check(up, at)
            if decision.opens_at is not None:
                assert decision.opens_at < previous < at
        for incident, started in replay.opened.items():
            assert started <= replay.resolved.get(incident, started)

    @given(results, st.lists(st.booleans(), min_size=1, max_size=3))
    def test_a_result_no_newer_than_the_last_recorded_changes_nothing(self, ups: list[bool], late: list[bool]) -> None:
        replay = Replay()
        for n, up in enumerate(ups):
            replay.check(up, T0 + n * EVERY)
        before = replay.monitor
        last = T0 + (len(ups) - 1) * EVERY if ups else None
        for up in late:
            for at in (last, last - EVERY) if last is not None else ():
                decision = record_check(before, up, at)
                assert decision == MonitorDecision(before, recorded=False)
        assert replay.monitor == before

    def test_three_failures_then_a_success_open_and_resolve_one_incident(self) -> None:
        replay = Replay()
        for n, up in enumerate([True, False, False, False, False, True]):
            replay.check(up, T0 + n * EVERY)
        ((incident, started),) = replay.opened.items()
        assert started == T0 + EVERY
        assert replay.resolved == {incident: T0 + 5 * EVERY}
        assert replay.monitor == UptimeMonitor(
            replay.monitor.client_id, replay.monitor.project_id, "https://shop.example.com",
            consecutive_failures=0, last_checked_at=T0 + 5 * EVERY, last_status=CheckStatus.UP,
        )  # fmt: skip

    def test_a_run_already_past_three_failures_opens_nothing_more(self) -> None:
        past = replace(
            new_monitor(), consecutive_failures=FAILURES_TO_OPEN, last_checked_at=T0, last_status=CheckStatus.DOWN
        )
        decision = record_check(past, False, T0 + EVERY)
        assert (decision.opens_at, decision.monitor.consecutive_failures) == (None, FAILURES_TO_OPEN + 1)

    def test_linking_an_incident_to_a_check_that_opened_none_is_refused(self) -> None:
        decision = record_check(new_monitor(), False, T0)
        with pytest.raises(ValidationError):
            decision.link(IncidentId(uuid4()))

    def test_a_naive_check_time_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            record_check(new_monitor(), True, datetime(2026, 5, 4, 12, 0))


class TestUptimeMonitor:
    @pytest.mark.parametrize(
        "changes",
        [
            {"url": "ftp://shop.example.com"},
            {"consecutive_failures": -1},
            {"consecutive_failures": 1},
            {"last_checked_at": T0},
            {"last_status": CheckStatus.UP},
            {"last_checked_at": T0, "last_status": CheckStatus.DOWN},
            {"last_checked_at": T0, "last_status": CheckStatus.UP, "consecutive_failures": 2},
            {"last_checked_at": datetime(2026, 5, 4), "last_status": CheckStatus.UP},
            {"last_checked_at": T0, "last_status": CheckStatus.DOWN, "consecutive_failures": 2,
             "open_incident_id": IncidentId(uuid4())},
        ],
        ids=[
            "not http", "negative failures", "failures never checked", "checked without status",
            "status never checked", "down without failures", "up with failures", "naive time",
            "incident before three failures",
        ],
    )  # fmt: skip
    def test_an_inconsistent_monitor_is_refused(self, changes: dict[str, object]) -> None:
        fields: dict[str, object] = {
            "client_id": ClientId(uuid4()), "project_id": ProjectId(uuid4()), "url": "https://shop.example.com",
        }  # fmt: skip
        with pytest.raises(ValidationError):
            UptimeMonitor(**{**fields, **changes})  # type: ignore[arg-type]

    def test_a_monitor_is_due_until_it_has_a_result_at_that_instant(self) -> None:
        monitor = record_check(new_monitor(), True, T0).monitor
        assert new_monitor().is_due(T0)
        assert monitor.is_due(T0 + timedelta(microseconds=1))
        assert not monitor.is_due(T0)
        assert not monitor.is_due(T0 - EVERY)


def project(status: ProjectStatus) -> Project:
    return Project(id=ProjectId(uuid4()), client_id=ClientId(uuid4()), name="Shop", status=status, created_at=T0)


def domain(
    of: Project | None, name: str, created: timedelta = timedelta(), zone: HostnameStatus = HostnameStatus.ACTIVE
) -> Domain:
    return Domain(
        id=DomainId(uuid4()), client_id=of.client_id if of else ClientId(uuid4()), name=name,
        status=DomainStatus.ACTIVE, nameservers=(), ssl_status=SslStatus.ACTIVE, ssl_expires_on=date(2026, 9, 1),
        renewal_date=None, project_id=of.id if of else None, created_at=T0 + created, hostname_status=zone,
    )  # fmt: skip


class TestSiteUrl:
    @pytest.mark.parametrize("status", [ProjectStatus.LIVE, ProjectStatus.MAINTENANCE])
    def test_a_site_in_production_is_watched_at_its_first_domain_over_https(self, status: ProjectStatus) -> None:
        shop = project(status)
        domains = [
            domain(shop, "a-later.example.com", timedelta(days=2)),
            domain(None, "a-loose.example.com"),
            domain(project(ProjectStatus.LIVE), "a-neighbour.example.com", -timedelta(days=9)),
            domain(shop, "shop.example.com", timedelta(days=1)),
        ]
        assert site_url(shop, domains) == "https://shop.example.com"

    @pytest.mark.parametrize(
        "status", [s for s in ProjectStatus if s not in (ProjectStatus.LIVE, ProjectStatus.MAINTENANCE)]
    )
    def test_a_project_not_yet_in_production_is_not_watched(self, status: ProjectStatus) -> None:
        shop = project(status)
        assert site_url(shop, [domain(shop, "shop.example.com")]) is None

    def test_a_live_project_without_a_domain_is_not_watched(self) -> None:
        assert site_url(project(ProjectStatus.LIVE), [domain(None, "shop.example.com")]) is None

    @pytest.mark.parametrize("zone", [HostnameStatus.PENDING, HostnameStatus.MOVED])
    def test_a_domain_whose_zone_is_not_active_is_not_watched(self, zone: HostnameStatus) -> None:
        shop = project(ProjectStatus.LIVE)
        assert site_url(shop, [domain(shop, "shop.example.com", zone=zone)]) is None

    def test_the_first_domain_with_an_active_zone_is_watched_when_an_earlier_one_is_pending(self) -> None:
        shop = project(ProjectStatus.LIVE)
        domains = [
            domain(shop, "a-pending.example.com", zone=HostnameStatus.PENDING),
            domain(shop, "b-moved.example.com", timedelta(days=1), zone=HostnameStatus.MOVED),
            domain(shop, "shop.example.com", timedelta(days=2)),
        ]
        assert site_url(shop, domains) == "https://shop.example.com"
