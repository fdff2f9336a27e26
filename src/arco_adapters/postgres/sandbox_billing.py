"""`PostgresSandboxBillingStore`: the sandbox payment provider's subscriptions and events in
`sandbox_subscriptions` and `sandbox_billing_events`, each call its own short transaction.

Kept in the database so that every server process sees the same provider: a checkout completed on one process
is the subscription another one reads when its webhook arrives there. Like the sandbox DNS tables these hold the
stand-in provider's data, not a client's, and only the agency role reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.connections import own_transaction

_subscriptions = t.sandbox_subscriptions
_s = _subscriptions.c
_events = t.sandbox_billing_events
_e = _events.c


class PostgresSandboxBillingStore:
    """A `SandboxBillingStore` on PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save_subscription(self, subscription: Mapping[str, Any]) -> bool:
        """`ON CONFLICT DO NOTHING` waits for a concurrent insert of the same id to commit, so of two processes
        completing the same checkout exactly one sees the subscription as new; the other replaces it."""
        fields = {"customer": subscription["customer"], "content": dict(subscription)}
        added = pg_insert(_subscriptions).values(id=subscription["id"], **fields).on_conflict_do_nothing()
        async with own_transaction(self._engine) as connection:
            if (await connection.execute(added.returning(_s.id))).first() is not None:
                return True
            await connection.execute(update(_subscriptions).where(_s.id == subscription["id"]).values(**fields))
        return False

    async def subscription(self, subscription_id: str) -> dict[str, Any] | None:
        async with own_transaction(self._engine) as connection:
            content = await connection.scalar(select(_s.content).where(_s.id == subscription_id))
        return None if content is None else dict(content)

    async def cancel_subscriptions(self, customer: str) -> Sequence[dict[str, Any]]:
        """One `UPDATE`: of two processes cancelling at once, each subscription is changed, and returned, once."""
        canceled = (
            update(_subscriptions)
            .where(_s.customer == customer, _s.content["status"].astext != "canceled")
            .values(content=_s.content.op("||", return_type=JSONB)(literal({"status": "canceled"}, JSONB)))
            .returning(_s.content)
        )
        async with own_transaction(self._engine) as connection:
            return [dict(content) for content in (await connection.scalars(canceled)).all()]

    async def add_event(self, event: Mapping[str, Any], created_at: datetime) -> None:
        async with own_transaction(self._engine) as connection:
            await connection.execute(pg_insert(_events).values(id=event["id"], created_at=created_at, content=event))

    async def events_since(self, since: datetime) -> Sequence[dict[str, Any]]:
        """Oldest first: in the order they were added."""
        query = select(_e.content).where(_e.created_at >= since).order_by(_e.position)
        async with own_transaction(self._engine) as connection:
            return [dict(content) for content in (await connection.scalars(query)).all()]
