"""The SLA scan's index leaves out tickets whose breach is recorded: the scan no longer reads them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_support_tickets_awaiting_response"
AWAITING = "first_response_at IS NULL AND response_due_at IS NOT NULL AND status <> 'closed'"


def _index_awaiting(predicate: str) -> None:
    op.drop_index(INDEX, table_name="support_tickets")
    op.create_index(INDEX, "support_tickets", ["response_due_at"], postgresql_where=sa.text(predicate))


def upgrade() -> None:
    _index_awaiting(f"{AWAITING} AND sla_breached_at IS NULL")


def downgrade() -> None:
    _index_awaiting(AWAITING)
