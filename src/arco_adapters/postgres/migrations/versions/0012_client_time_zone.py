"""Each client lives by a time zone, and its calendar-month ticket periods are counted on its own clock.

The calendar-month rows of a client that never had a billing period hold exactly its tickets, month by
month (tickets are never deleted, and a rolled-back create never counted): they are recounted from the
tickets, by month in the client's zone, so no ticket is lost or counted twice. A client with billing-period
rows keeps its calendar-month rows as they are: which of its tickets fell in a billing period cannot be told
apart once the period is over (its end is not kept), and each of its tickets is already counted once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_TIME_ZONE = "America/Sao_Paulo"

_CALENDAR_ONLY = """
    SELECT c.id FROM clients c
    WHERE NOT EXISTS (
        SELECT 1 FROM quota_usage q
        WHERE q.client_id = c.id AND q.resource = 'support_tickets' AND q.period LIKE 'billing:%'
    )
"""


def _recount_calendar_months(zone: str) -> None:
    """Replace the calendar-month ticket rows of the clients counted by calendar only with a recount of their
    tickets by month on the clocks of `zone` (an SQL expression over the client row `c`)."""
    op.execute(
        f"""
        DELETE FROM quota_usage q
        WHERE q.resource = 'support_tickets' AND q.period ~ '^[0-9]{{4}}-[0-9]{{2}}$' AND q.client_id IN ({_CALENDAR_ONLY})
        """
    )
    op.execute(
        f"""
        INSERT INTO quota_usage (client_id, resource, period, used)
        SELECT t.client_id, 'support_tickets', to_char(t.created_at AT TIME ZONE {zone}, 'YYYY-MM'), count(*)
        FROM support_tickets t JOIN clients c ON c.id = t.client_id
        WHERE c.id IN ({_CALENDAR_ONLY})
        GROUP BY 1, 3
        """
    )


def upgrade() -> None:
    op.add_column(
        "clients", sa.Column("time_zone", sa.Text(), nullable=False, server_default=sa.text(f"'{DEFAULT_TIME_ZONE}'"))
    )
    _recount_calendar_months("c.time_zone")


def downgrade() -> None:
    _recount_calendar_months("'UTC'")
    op.drop_column("clients", "time_zone")
