"""`PostgresMailLog`: the `mail_log` table, one row per e-mail cause, each call its own short transaction.

Used alone it is the `Mailer` of environments without a mail provider (the message is recorded, not
delivered); behind a provider's mailer it is the record of what was delivered. Either way staff read it
through `recent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import own_transaction
from arco_domain.errors import NotFound, ValidationError
from arco_domain.model.notifications import OutgoingEmail

_log = t.mail_log
_m = _log.c


class MailStatus(StrEnum):
    RECORDED = "recorded"
    """Written down; no provider has confirmed delivery (the only status without a provider)."""
    SENT = "sent"
    """Accepted by the mail provider, whose message id is kept."""
    FAILED = "failed"
    """Refused by the provider for good (the schema allows it; no adapter writes it yet)."""


@dataclass(frozen=True, slots=True)
class LoggedEmail:
    """One row of the mail log, as staff see it."""

    id: UUID
    email: OutgoingEmail
    status: MailStatus
    provider_message_id: str | None
    created_at: datetime


def _logged(row: Row[Any]) -> LoggedEmail:
    return LoggedEmail(
        id=row.id,
        email=OutgoingEmail(to=tuple(row.recipients), subject=row.subject, text=row.body, dedupe_key=row.dedupe_key),
        status=MailStatus(row.status),
        provider_message_id=row.provider_message_id,
        created_at=row.created_at,
    )


class PostgresMailLog:
    """The `MailLog` port: a `Mailer` that records instead of delivering, and the log a delivering mailer writes to."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def send(self, email: OutgoingEmail) -> None:
        """Record `email` as `recorded`; a `dedupe_key` already in the log leaves its row as it is.

        `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same key to commit, so racing
        senders leave exactly one row and none of them fails.
        """
        statement = (
            pg_insert(_log)
            .values(
                id=func.uuidv7(),
                recipients=list(email.to),
                subject=email.subject,
                body=email.text,
                dedupe_key=email.dedupe_key,
                status=MailStatus.RECORDED.value,
            )
            .on_conflict_do_nothing(index_elements=[_m.dedupe_key])
        )
        async with own_transaction(self._engine) as connection:
            await connection.execute(statement)

    async def mark_sent(self, dedupe_key: str, provider_message_id: str) -> None:
        """Mark the logged e-mail `sent` with the provider's message id; `NotFound` when it was never logged."""
        statement = (
            update(_log)
            .where(_m.dedupe_key == dedupe_key)
            .values(status=MailStatus.SENT.value, provider_message_id=provider_message_id)
            .returning(_m.id)
        )
        async with own_transaction(self._engine) as connection:
            updated = (await connection.execute(statement)).first()
        if updated is None:
            raise NotFound("e-mail", dedupe_key)

    async def is_sent(self, dedupe_key: str) -> bool:
        """Whether a provider has already accepted the e-mail with this `dedupe_key`."""
        query = select(_m.status).where(_m.dedupe_key == dedupe_key)
        async with own_transaction(self._engine) as connection:
            status = (await connection.execute(query)).scalar_one_or_none()
        return status == MailStatus.SENT.value

    async def recent(self, limit: int) -> list[LoggedEmail]:
        """The `limit` most recently logged e-mails, newest first."""
        if limit < 1:
            raise ValidationError("limit must be at least 1", field="limit")
        query = select(_log).order_by(_m.created_at.desc(), _m.id.desc()).limit(limit)
        async with own_transaction(self._engine) as connection:
            rows = (await connection.execute(query)).all()
        return [_logged(row) for row in rows]
