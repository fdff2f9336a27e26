"""Connected ad accounts (tenant rows, under row-level security) and the account each campaign syncs from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"


def upgrade() -> None:
    op.create_table(
        "ad_accounts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("login_customer_id", sa.Text(), nullable=True),
        sa.Column("sealed_grant", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("connected_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("last_synced_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "platform IN ('google_ads', 'meta_ads', 'linkedin_ads', 'tiktok_ads')", name=op.f("ck_ad_accounts_platform")
        ),
        sa.CheckConstraint("status IN ('connected', 'disconnected')", name=op.f("ck_ad_accounts_status")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_ad_accounts_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_accounts")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_ad_accounts_client_id_id")),
        sa.UniqueConstraint(
            "client_id", "platform", "external_id", name=op.f("uq_ad_accounts_client_id_platform_external_id")
        ),
    )
    op.add_column("campaigns", sa.Column("ad_account_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_campaigns_client_id_ad_account_id_ad_accounts"),
        "campaigns",
        "ad_accounts",
        ["client_id", "ad_account_id"],
        ["client_id", "id"],
        ondelete="SET NULL (ad_account_id)",
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ad_accounts TO {APP_ROLE}")
    rule = "(SELECT arco_all_clients()) OR client_id = (SELECT arco_current_client())"
    op.execute("ALTER TABLE ad_accounts ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE ad_accounts FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON ad_accounts USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    op.drop_constraint(op.f("fk_campaigns_client_id_ad_account_id_ad_accounts"), "campaigns", type_="foreignkey")
    op.drop_column("campaigns", "ad_account_id")
    op.drop_table("ad_accounts")
