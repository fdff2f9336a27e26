"""Billing state: when a subscription fell past due, and whether it ends with its period.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("past_due_since", postgresql.TIMESTAMP(timezone=True), nullable=True))
    op.add_column(
        "clients",
        sa.Column("cancel_at_period_end", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("clients", "cancel_at_period_end")
    op.drop_column("clients", "past_due_since")
