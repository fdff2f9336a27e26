"""Worker tables: the mail log, uptime monitors (tenant rows, under row-level security), completed
scheduled runs, and the transactional outbox of jobs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 17:23:03.390653
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("dispatched_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_job_outbox_dedupe_key")),
    )
    op.create_index(
        "ix_job_outbox_pending",
        "job_outbox",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_table(
        "job_ticks",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("tick", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("finished_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("job", "tick", name=op.f("pk_job_ticks")),
    )
    op.create_table(
        "mail_log",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=True),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("provider_message_id", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('recorded', 'sent', 'failed')", name=op.f("ck_mail_log_status")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_mail_log_client_id_clients"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_log")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_log_dedupe_key")),
    )
    op.create_index(op.f("ix_mail_log_created_at"), "mail_log", ["created_at"], unique=False)
    op.create_table(
        "uptime_monitors",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_checked_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_status", sa.Text(), nullable=True),
        sa.Column("open_incident_id", sa.UUID(), nullable=True),
        sa.CheckConstraint("last_status IN ('up', 'down')", name=op.f("ck_uptime_monitors_last_status")),
        sa.CheckConstraint("consecutive_failures >= 0", name=op.f("ck_uptime_monitors_failures")),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_uptime_monitors_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "project_id", name=op.f("pk_uptime_monitors")),
    )

    for table in ("mail_log", "uptime_monitors", "job_ticks", "job_outbox"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    rule = "(SELECT arco_all_clients()) OR client_id = (SELECT arco_current_client())"
    op.execute("ALTER TABLE uptime_monitors ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE uptime_monitors FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON uptime_monitors USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    op.drop_table("uptime_monitors")
    op.drop_index(op.f("ix_mail_log_created_at"), table_name="mail_log")
    op.drop_table("mail_log")
    op.drop_table("job_ticks")
    op.drop_index("ix_job_outbox_pending", table_name="job_outbox", postgresql_where=sa.text("dispatched_at IS NULL"))
    op.drop_table("job_outbox")
