"""Operations: what runs each project (infrastructure) and what went wrong with it (incidents)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import ClientId
from arco_domain.model.infrastructure import Infrastructure
from arco_domain.model.uptime import Incident


class InfrastructureRepository(Protocol):
    async def upsert(self, infrastructure: Infrastructure) -> None:
        """Store the project's infrastructure, replacing what the project had: one record per project.

        Raises `NotFound` when the project is not one of the client's.
        """
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Infrastructure]:
        """Every project's record, in project id order (the order projects were created in)."""
        ...


class IncidentRepository(Protocol):
    async def add(self, incident: Incident) -> None:
        """Raises `NotFound` when the project is not one of the client's, `Conflict` when the id is taken."""
        ...

    async def update(self, incident: Incident) -> None:
        """Store the incident's current state. Raises `NotFound` when the client has no such incident."""
        ...

    async def list_overlapping(self, client_id: ClientId, start: datetime, end: datetime) -> Sequence[Incident]:
        """Incidents whose downtime overlaps `[start, end)`: started before `end` and not resolved by `start`
        (open ones included). Oldest first."""
        ...


class OperationsArea(Protocol):
    @property
    def infrastructure(self) -> InfrastructureRepository: ...

    @property
    def incidents(self) -> IncidentRepository: ...
