"""Uptime monitoring: one monitor per watched site, and the rule that turns check results into incidents.

The rules, all pure:

- Which sites are watched (`site_url`): projects that are `live` or in `maintenance` (delivered and online),
  at `https://` plus the name of their first domain (the one attached earliest) whose zone is active at the DNS
  provider. Anything else is not probed: a domain whose zone is pending or has moved away is not (or no
  longer) served through the agency, so nothing says where its name points.
- What a check result does (`record_check`): a failed check adds one to the run of consecutive failures; the
  `FAILURES_TO_OPEN`-th failure of a run opens an incident, unless the monitor already has one open; the first
  successful check after that resolves it at the time of that check. So at most one incident is open per site
  and every one is closed by the next success. A result no newer than the last one recorded changes nothing:
  running a check twice at the same instant (or a late result arriving after a newer one) is harmless.
- When the incident started: at the first failure of the run. The monitor keeps no time for it (only the last
  check's), so it is recomputed when the incident opens, assuming the run's checks were evenly spaced like its
  last two: `at - (FAILURES_TO_OPEN - 1) * (at - last_checked_at)`. Checks run on a fixed schedule, where this
  is exact; after a late check it reaches further back by up to that delay times `FAILURES_TO_OPEN - 1`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, IncidentId, ProjectId
from arco_domain.model.domains import Domain, HostnameStatus
from arco_domain.model.projects import Project, ProjectStatus

FAILURES_TO_OPEN = 3
"""Consecutive failed checks that make an outage an incident: one or two are usually a network blip."""

WATCHED_STATUSES = frozenset({ProjectStatus.LIVE, ProjectStatus.MAINTENANCE})
"""Projects whose site is in production. A project in maintenance was delivered and is still online."""

INCIDENT_TITLE = "Site unreachable"


class CheckStatus(StrEnum):
    UP = "up"
    DOWN = "down"


def site_url(project: Project, domains: Iterable[Domain]) -> str | None:
    """The URL to probe for `project`, or None when it is not watched (not in production, or no domain with an
    active zone)."""
    if project.status not in WATCHED_STATUSES:
        return None
    own = sorted(
        (d for d in domains if d.project_id == project.id and d.hostname_status is HostnameStatus.ACTIVE),
        key=lambda d: (d.created_at, d.id),
    )
    return f"https://{own[0].name}" if own else None


def _aware(moment: datetime | None, field: str) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise ValidationError(f"{field} must be timezone-aware", field=field)


@dataclass(slots=True)
class UptimeMonitor:
    """What the uptime checks know about one project's site: its last result and the run of failures so far.

    `open_incident_id` is the incident this monitor opened and has not yet seen recover.
    """

    client_id: ClientId
    project_id: ProjectId
    url: str
    consecutive_failures: int = 0
    last_checked_at: datetime | None = None
    last_status: CheckStatus | None = None
    open_incident_id: IncidentId | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise ValidationError("a monitored URL is http or https", field="url")
        failures = self.consecutive_failures
        if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
            raise ValidationError("consecutive failures must be a non-negative integer", field="consecutive_failures")
        _aware(self.last_checked_at, "last_checked_at")
        if (self.last_checked_at is None) != (self.last_status is None):
            raise ValidationError("a monitor has a last status exactly when it was checked", field="last_status")
        if (failures > 0) != (self.last_status is CheckStatus.DOWN):
            raise ValidationError("failures run exactly while the last check failed", field="consecutive_failures")
        if self.open_incident_id is not None and failures < FAILURES_TO_OPEN:
            raise ValidationError(f"an incident opens after {FAILURES_TO_OPEN} failures", field="open_incident_id")

    def is_due(self, now: datetime) -> bool:
        """Whether a check at `now` would be new: nothing has been recorded at or after it."""
        return self.last_checked_at is None or self.last_checked_at < now


@dataclass(frozen=True, slots=True)
class MonitorDecision:
    """What one check result does.

    `monitor` is the state to store. When `opens_at` is set, an incident starting then must be created and
    linked with `link` (the rule mints no ids). When `resolves` is set, that incident recovered at the check.
    `recorded` is False when the result was not newer than the last one: then nothing changes at all.
    """

    monitor: UptimeMonitor
    recorded: bool = True
    opens_at: datetime | None = None
    resolves: IncidentId | None = None

    def link(self, incident_id: IncidentId) -> UptimeMonitor:
        """The monitor to store once the incident this decision opens has been created as `incident_id`."""
        if self.opens_at is None:
            raise ValidationError("this check opened no incident", field="open_incident_id")
        return dataclasses.replace(self.monitor, open_incident_id=incident_id)


def record_check(monitor: UptimeMonitor, up: bool, at: datetime) -> MonitorDecision:
    """Apply one check result taken at `at`; see the module's docstring for the rule."""
    _aware(at, "at")
    if not monitor.is_due(at):
        return MonitorDecision(monitor, recorded=False)
    if up:
        checked = dataclasses.replace(
            monitor, consecutive_failures=0, last_checked_at=at, last_status=CheckStatus.UP, open_incident_id=None
        )
        return MonitorDecision(checked, resolves=monitor.open_incident_id)
    failures = monitor.consecutive_failures + 1
    checked = dataclasses.replace(
        monitor, consecutive_failures=failures, last_checked_at=at, last_status=CheckStatus.DOWN
    )
    if failures != FAILURES_TO_OPEN or monitor.open_incident_id is not None:
        return MonitorDecision(checked)
    return MonitorDecision(checked, opens_at=_first_failure(monitor, at))


def _first_failure(monitor: UptimeMonitor, at: datetime) -> datetime:
    if monitor.last_checked_at is None:  # a run of one failure: this check is the first
        return at
    return at - (FAILURES_TO_OPEN - 1) * (at - monitor.last_checked_at)
