"""The audit log of what staff and clients did."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.ids import ClientId
from arco_domain.model.audit import AuditEvent


class AuditLog(Protocol):
    """Append-only: events are never updated or deleted."""

    async def record(self, event: AuditEvent) -> None: ...

    async def list_recent(self, client_id: ClientId | None, *, limit: int) -> Sequence[AuditEvent]: ...


class AuditArea(Protocol):
    @property
    def audit(self) -> AuditLog: ...
