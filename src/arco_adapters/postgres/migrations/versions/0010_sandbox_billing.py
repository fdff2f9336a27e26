"""The sandbox payment provider's subscriptions and events, in the database rather than in one server process.

Like the sandbox DNS tables, they hold a stand-in provider's data, not a client's: no row-level security, and
only the agency role may reach them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AGENCY_ROLE = "arco_agency"
TABLES = ("sandbox_subscriptions", "sandbox_billing_events")


def upgrade() -> None:
    op.create_table(
        "sandbox_subscriptions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("customer", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_subscriptions")),
    )
    op.create_index(op.f("ix_sandbox_subscriptions_customer"), "sandbox_subscriptions", ["customer"], unique=False)
    op.create_table(
        "sandbox_billing_events",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_billing_events")),
        sa.UniqueConstraint("position", name=op.f("uq_sandbox_billing_events_position")),
    )
    op.create_index(
        op.f("ix_sandbox_billing_events_created_at"), "sandbox_billing_events", ["created_at"], unique=False
    )
    # Since revision 0007 the client-serving role is granted table by table, and new tables reach nobody by
    # default: the agency role gets these explicitly, the client-serving role never.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {AGENCY_ROLE}")


def downgrade() -> None:
    op.drop_index(op.f("ix_sandbox_billing_events_created_at"), table_name="sandbox_billing_events")
    op.drop_table("sandbox_billing_events")
    op.drop_index(op.f("ix_sandbox_subscriptions_customer"), table_name="sandbox_subscriptions")
    op.drop_table("sandbox_subscriptions")
