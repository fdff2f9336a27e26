"""Uptime monitoring: where the monitors' state is kept, and how a site is probed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.monitoring import UptimeMonitor


class UptimeMonitorRepository(Protocol):
    """One monitor per project, identified by `(client_id, project_id)`; it goes with its project."""

    async def get(self, client_id: ClientId, project_id: ProjectId) -> UptimeMonitor | None:
        """The project's monitor, or None when it has none yet (or the project is not the client's)."""
        ...

    async def upsert(self, monitor: UptimeMonitor) -> None:
        """Store the monitor, replacing the project's previous state.

        Raises `NotFound` when the project is not one of the client's, or the client is outside the unit's scope.
        """
        ...

    async def list_all(self) -> Sequence[UptimeMonitor]:
        """Every monitor the unit may see (every client's, for a scheduled job), by client then project id."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[UptimeMonitor]:
        """The client's monitors, by project id."""
        ...


class MonitoringArea(Protocol):
    @property
    def uptime_monitors(self) -> UptimeMonitorRepository: ...


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One check of a site: whether it answered well, with what, how fast, and what went wrong if not."""

    up: bool
    status_code: int | None
    elapsed: timedelta
    error: str | None = None


class UptimeProbe(Protocol):
    async def check(self, url: str) -> ProbeResult:
        """Request `url` once, following redirects, within the adapter's timeouts.

        Never raises for anything the site or the network does: timeouts, refused connections, TLS failures
        and error statuses all come back as `up=False` with `error` or `status_code` saying why.
        """
        ...
