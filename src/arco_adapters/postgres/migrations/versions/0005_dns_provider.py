"""DNS at the provider: each domain's zone state and last check, provider ids on records, the drift the
reconciliation reports, and the sandbox provider's own zones and records.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"


def upgrade() -> None:
    op.add_column("domains", sa.Column("hostname_status", sa.Text(), server_default="pending", nullable=False))
    op.add_column("domains", sa.Column("provider_checked_at", postgresql.TIMESTAMP(timezone=True), nullable=True))
    op.add_column(
        "domains", sa.Column("provider_unreachable_since", postgresql.TIMESTAMP(timezone=True), nullable=True)
    )
    op.drop_constraint(op.f("ck_domains_ssl_status"), "domains", type_="check")
    op.create_check_constraint(
        op.f("ck_domains_ssl_status"), "domains", "ssl_status IN ('active', 'expired', 'pending', 'failed', 'none')"
    )
    op.create_check_constraint(
        op.f("ck_domains_hostname_status"), "domains", "hostname_status IN ('pending', 'active', 'moved')"
    )
    op.create_index(
        "uq_dns_records_provider_record",
        "dns_records",
        ["client_id", "domain_id", "provider_record_id"],
        unique=True,
        postgresql_where=sa.text("provider_record_id IS NOT NULL"),
    )
    op.create_table(
        "dns_drift",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("domain_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record_id", sa.UUID(), nullable=True),
        sa.Column("provider_record_id", sa.Text(), nullable=True),
        sa.Column("arco", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("provider", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("detected_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('missing_at_provider', 'unmanageable', 'refused_by_provider')", name=op.f("ck_dns_drift_kind")
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "domain_id"],
            ["domains.client_id", "domains.id"],
            name=op.f("fk_dns_drift_client_id_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dns_drift")),
    )
    op.create_index(op.f("ix_dns_drift_client_id_domain_id"), "dns_drift", ["client_id", "domain_id"], unique=False)
    op.create_table(
        "sandbox_dns_zones",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("nameservers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_dns_zones")),
        sa.UniqueConstraint("name", name=op.f("uq_sandbox_dns_zones_name")),
    )
    op.create_table(
        "sandbox_dns_records",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("zone_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("ttl", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("proxied", sa.Boolean(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["sandbox_dns_zones.id"],
            name=op.f("fk_sandbox_dns_records_zone_id_sandbox_dns_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_dns_records")),
    )
    op.create_index(
        op.f("ix_sandbox_dns_records_zone_id_name"), "sandbox_dns_records", ["zone_id", "name"], unique=False
    )

    for table in ("dns_drift", "sandbox_dns_zones", "sandbox_dns_records"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    rule = "(SELECT arco_all_clients()) OR client_id = (SELECT arco_current_client())"
    op.execute("ALTER TABLE dns_drift ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE dns_drift FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON dns_drift USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    op.drop_index(op.f("ix_sandbox_dns_records_zone_id_name"), table_name="sandbox_dns_records")
    op.drop_table("sandbox_dns_records")
    op.drop_table("sandbox_dns_zones")
    op.drop_index(op.f("ix_dns_drift_client_id_domain_id"), table_name="dns_drift")
    op.drop_table("dns_drift")
    op.drop_index(
        "uq_dns_records_provider_record",
        table_name="dns_records",
        postgresql_where=sa.text("provider_record_id IS NOT NULL"),
    )
    op.drop_constraint(op.f("ck_domains_hostname_status"), "domains", type_="check")
    op.drop_constraint(op.f("ck_domains_ssl_status"), "domains", type_="check")
    op.create_check_constraint(
        op.f("ck_domains_ssl_status"), "domains", "ssl_status IN ('active', 'expired', 'pending', 'none')"
    )
    op.drop_column("domains", "provider_unreachable_since")
    op.drop_column("domains", "provider_checked_at")
    op.drop_column("domains", "hostname_status")
