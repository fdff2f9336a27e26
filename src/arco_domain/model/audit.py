"""The append-only audit trail of sensitive operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from arco_domain.ids import AuditEventId, ClientId, UserId


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which client. `impersonator_id` is set when staff acted as a client user."""

    id: AuditEventId
    action: str
    occurred_at: datetime
    client_id: ClientId | None
    actor_id: UserId | None
    impersonator_id: UserId | None = None
    details: dict[str, object] = field(default_factory=dict)
