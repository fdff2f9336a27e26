"""The client dashboard's read: every area's figures for one client, gathered in one go."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from arco_domain.ids import ClientId
from arco_domain.model.campaigns import CampaignTotals
from arco_domain.model.clients import Client
from arco_domain.model.domains import Domain
from arco_domain.model.infrastructure import Infrastructure
from arco_domain.model.network import TrafficTotals
from arco_domain.model.projects import Milestone, Project
from arco_domain.model.tiers import CampaignPlatform, Resource
from arco_domain.model.uptime import Incident, month_window
from arco_ports.metrics import Measurement


@dataclass(frozen=True, slots=True)
class MonthWindow:
    """What "this month" covers, as the caller decides it: instants for events, days for daily rows."""

    start: datetime
    end: datetime
    """The first instant after the month (exclusive)."""
    first_day: date
    today: date
    """The last day of daily rows counted (inclusive)."""

    @classmethod
    def holding(cls, now: datetime, zone: tzinfo) -> MonthWindow:
        """The calendar month that holds `now` on the clocks of `zone`, up to today there."""
        start, end = month_window(now, zone)
        return cls(start, end, start.astimezone(zone).date(), now.astimezone(zone).date())


@dataclass(frozen=True, slots=True)
class FirstResponses:
    """The first responses of a set of tickets, added up: how many tickets have one, and their waits summed
    (each wait is the time from opening to first response)."""

    answered: int
    total_wait: timedelta


@dataclass(frozen=True, slots=True)
class DashboardFacts:
    """What the dashboard is made of, as stored: no limit, percentage or grade is applied yet."""

    client: Client
    window: MonthWindow
    """This month on the client's clock (its time zone), which every monthly figure below covers."""
    usage: Mapping[tuple[Resource, str], int]
    """Usage by (resource, period) for the periods asked for and, per resource, its greatest period key."""
    first_responses: FirstResponses
    """Over the tickets opened within the window."""
    projects: Sequence[Project]
    """Oldest first."""
    milestones: Sequence[Milestone]
    """By project, then due date (undated last), then creation."""
    domains: Sequence[Domain]
    """By name."""
    infrastructure: Sequence[Infrastructure]
    """By project id."""
    traffic: TrafficTotals
    """Every project's traffic for the window's days."""
    file_count: int
    measurements: Sequence[Measurement]
    """The latest measurement of each project that has one."""
    incidents: Sequence[Incident]
    """Those overlapping the window, oldest first."""
    campaigns: Mapping[CampaignPlatform, CampaignTotals]
    """Summed figures per platform for the window's days; platforms without figures are absent."""


class DashboardReader(Protocol):
    async def facts(self, client_id: ClientId, now: datetime, periods: Collection[str]) -> DashboardFacts:
        """Everything the dashboard shows for the client, read at one moment (one statement where the store
        has statements), for the month that holds `now` on the client's clock (`MonthWindow.holding` in the
        client's zone, which the store reads with the client). `periods` are the usage periods the caller can
        name without the client row (the stock period, the calendar month); each resource's greatest period key
        is returned as well, which is a paid client's newest billing period, since billing periods only move
        forward. `NotFound` when the client is not in the unit's scope."""
        ...

    async def first_responses(self, client_id: ClientId, start: datetime, end: datetime) -> FirstResponses:
        """The first responses of the client's tickets opened in `[start, end)`, added up in the store."""
        ...


class DashboardArea(Protocol):
    @property
    def dashboard(self) -> DashboardReader: ...
