"""Initial schema: every table, the application role and row-level security.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 16:03:35.224195
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"
TENANT_TABLES = (
    "members", "projects", "milestones", "domains", "dns_records", "infrastructure", "network_usage",
    "storage_folders", "storage_items", "upload_reservations", "support_tickets", "ticket_status_changes",
    "support_ticket_messages", "performance_metrics", "campaigns", "campaign_metrics", "incidents",
    "quota_usage", "audit_events",
)  # fmt: skip


def secure() -> None:
    """The application role, its grants, and row-level security keyed on per-transaction settings.

    The application connects as (a member of) `arco_app`: not the tables' owner and without BYPASSRLS, so
    every policy applies to it. A transaction names its client with `set_config('arco.client_id', ...,
    true)` or opens every client's rows with `arco.all_clients = 'on'` (staff and scheduled jobs).
    """
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$
        """
    )
    # STABLE functions wrapped in scalar sub-selects are evaluated once per query (an InitPlan), not per row.
    op.execute(
        "CREATE FUNCTION arco_current_client() RETURNS uuid LANGUAGE sql STABLE"
        " AS $$ SELECT NULLIF(current_setting('arco.client_id', true), '')::uuid $$"
    )
    op.execute(
        "CREATE FUNCTION arco_all_clients() RETURNS boolean LANGUAGE sql STABLE"
        " AS $$ SELECT coalesce(current_setting('arco.all_clients', true), '') = 'on' $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION arco_current_client(), arco_all_clients() TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE ON audit_events FROM {APP_ROLE}")  # the audit log is append-only
    wall = "(SELECT arco_all_clients()) OR {key} = (SELECT arco_current_client())"
    for table, key in [("clients", "id"), *((t, "client_id") for t in TENANT_TABLES)]:
        rule = wall.format(key=key)
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({rule}) WITH CHECK ({rule})")


def unsecure() -> None:
    """Undo `secure` except the role itself, which belongs to the cluster and may serve other databases."""
    for table in ("clients", *TENANT_TABLES):
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {APP_ROLE}")
    op.execute("DROP FUNCTION arco_current_client(), arco_all_clients()")


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tier", sa.Text(), server_default="free", nullable=False),
        sa.Column(
            "custom_limits",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("billing_period_start", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("billing_period_end", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("subscription_status", sa.Text(), nullable=True),
        sa.Column("stripe_customer_id", sa.Text(), nullable=True),
        sa.Column("stripe_subscription_id", sa.Text(), nullable=True),
        sa.Column("subscription_observed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "subscription_status IN ('active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete')",
            name=op.f("ck_clients_subscription_status"),
        ),
        sa.CheckConstraint("tier IN ('free', 'basic', 'pro', 'enterprise')", name=op.f("ck_clients_tier")),
        sa.CheckConstraint(
            "(billing_period_start IS NULL) = (billing_period_end IS NULL)", name=op.f("ck_clients_billing_period_pair")
        ),
        sa.CheckConstraint("billing_period_end > billing_period_start", name=op.f("ck_clients_billing_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("stripe_customer_id", name=op.f("uq_clients_stripe_customer_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("user_type", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("user_type IN ('client', 'admin', 'developer')", name=op.f("ck_users_user_type")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=True),
        sa.Column("impersonator_id", sa.UUID(), nullable=True),
        sa.Column("occurred_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_audit_events_client_id_clients"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_client_id_occurred_at"), "audit_events", ["client_id", "occurred_at"], unique=False
    )
    op.create_table(
        "members",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_members_role")),
        sa.CheckConstraint("status IN ('invited', 'active')", name=op.f("ck_members_status")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_members_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_members_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("client_id", "email", name=op.f("uq_members_client_id_email")),
    )
    op.create_index(op.f("ix_members_user_id"), "members", ["user_id"], unique=False)
    op.create_table(
        "processed_webhook_events",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("processed_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_processed_webhook_events_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_processed_webhook_events")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("estimated_delivery", sa.Date(), nullable=True),
        sa.Column("actual_delivery", sa.Date(), nullable=True),
        sa.Column("budget_total", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("budget_used", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.Text(), server_default="BRL", nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('discovery', 'development', 'testing', 'staging', 'live', 'maintenance')",
            name=op.f("ck_projects_status"),
        ),
        sa.CheckConstraint("budget_total >= 0", name=op.f("ck_projects_budget_total")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_projects_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_projects_client_id_id")),
    )
    op.create_index(op.f("ix_projects_client_id_created_at"), "projects", ["client_id", "created_at"], unique=False)
    op.create_table(
        "quota_usage",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "resource IN ('projects', 'domains', 'team_members', 'storage_bytes', 'support_tickets')",
            name=op.f("ck_quota_usage_resource"),
        ),
        sa.CheckConstraint("used >= 0", name=op.f("ck_quota_usage_used")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_quota_usage_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("client_id", "resource", "period", name=op.f("pk_quota_usage")),
    )
    op.create_table(
        "storage_folders",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("parent_folder_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id", "parent_folder_id"],
            ["storage_folders.client_id", "storage_folders.id"],
            name=op.f("fk_storage_folders_client_id_parent_folder_id_storage_folders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_storage_folders_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_folders")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_storage_folders_client_id_id")),
        sa.UniqueConstraint("client_id", "path", name=op.f("uq_storage_folders_client_id_path")),
    )
    op.create_table(
        "upload_reservations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_upload_reservations_size_bytes")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_upload_reservations_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_reservations")),
    )
    op.create_index(op.f("ix_upload_reservations_client_id"), "upload_reservations", ["client_id"], unique=False)
    op.create_index(op.f("ix_upload_reservations_expires_at"), "upload_reservations", ["expires_at"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=True),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("budget_daily", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.Text(), server_default="BRL", nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "platform IN ('google_ads', 'meta_ads', 'linkedin_ads', 'tiktok_ads')", name=op.f("ck_campaigns_platform")
        ),
        sa.CheckConstraint("status IN ('active', 'paused', 'ended')", name=op.f("ck_campaigns_status")),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_campaigns_client_id_project_id_projects"),
            ondelete="SET NULL (project_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_campaigns_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_campaigns_client_id_id")),
        sa.UniqueConstraint(
            "client_id", "platform", "external_id", name=op.f("uq_campaigns_client_id_platform_external_id")
        ),
    )
    op.create_table(
        "domains",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("nameservers", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("ssl_status", sa.Text(), nullable=False),
        sa.Column("ssl_expires_on", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("zone_id", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "ssl_status IN ('active', 'expired', 'pending', 'none')", name=op.f("ck_domains_ssl_status")
        ),
        sa.CheckConstraint("status IN ('active', 'expired', 'pending', 'suspended')", name=op.f("ck_domains_status")),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_domains_client_id_project_id_projects"),
            ondelete="SET NULL (project_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_domains_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domains")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_domains_client_id_id")),
        sa.UniqueConstraint("name", name=op.f("uq_domains_name")),
    )
    op.create_index(op.f("ix_domains_client_id_name"), "domains", ["client_id", "name"], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), server_default="medium", nullable=False),
        sa.Column("status", sa.Text(), server_default="investigating", nullable=False),
        sa.Column("started_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("resolved_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("affected_users", sa.Integer(), nullable=True),
        sa.Column("revenue_impact", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolved_at IS NOT NULL)", name=op.f("ck_incidents_resolved_state")
        ),
        sa.CheckConstraint("severity IN ('low', 'medium', 'high', 'critical')", name=op.f("ck_incidents_severity")),
        sa.CheckConstraint(
            "status IN ('investigating', 'identified', 'monitoring', 'resolved')", name=op.f("ck_incidents_status")
        ),
        sa.CheckConstraint(
            "resolved_at IS NULL OR resolved_at >= started_at", name=op.f("ck_incidents_resolved_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_incidents_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_client_id_started_at"), "incidents", ["client_id", "started_at"], unique=False)
    op.create_table(
        "infrastructure",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("hosting_provider", sa.Text(), nullable=True),
        sa.Column("hosting_plan", sa.Text(), nullable=True),
        sa.Column("hosting_status", sa.Text(), nullable=True),
        sa.Column("hosting_monthly_cost", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("cdn_provider", sa.Text(), nullable=True),
        sa.Column("cdn_cache_hit_rate", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("database_provider", sa.Text(), nullable=True),
        sa.Column("database_size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("database_backup_status", sa.Text(), nullable=True),
        sa.Column("database_last_backup", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "database_backup_status IN ('ok', 'pending', 'failed')", name=op.f("ck_infrastructure_backup_status")
        ),
        sa.CheckConstraint(
            "hosting_status IN ('online', 'offline', 'maintenance')", name=op.f("ck_infrastructure_hosting_status")
        ),
        sa.CheckConstraint("cdn_cache_hit_rate BETWEEN 0 AND 100", name=op.f("ck_infrastructure_cache_hit_rate")),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_infrastructure_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infrastructure")),
        sa.UniqueConstraint("project_id", name=op.f("uq_infrastructure_project_id")),
    )
    op.create_index(
        op.f("ix_infrastructure_client_id_project_id"), "infrastructure", ["client_id", "project_id"], unique=False
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_milestones_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    op.create_index(op.f("ix_milestones_client_id_project_id"), "milestones", ["client_id", "project_id"], unique=False)
    op.create_table(
        "network_usage",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("bandwidth_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests_total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests_2xx", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests_3xx", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests_4xx", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests_5xx", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "geo_distribution",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("peak_time", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("peak_requests_per_second", sa.Integer(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "bandwidth_bytes >= 0 AND requests_2xx >= 0 AND requests_3xx >= 0 AND requests_4xx >= 0 AND requests_5xx >= 0 AND requests_total >= requests_2xx + requests_3xx + requests_4xx + requests_5xx",
            name=op.f("ck_network_usage_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_network_usage_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "project_id", "date", name=op.f("pk_network_usage")),
    )
    op.create_index(op.f("ix_network_usage_client_id_date"), "network_usage", ["client_id", "date"], unique=False)
    op.create_table(
        "storage_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=True),
        sa.Column("folder_id", sa.UUID(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.UUID(), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_storage_items_size_bytes")),
        sa.ForeignKeyConstraint(
            ["client_id", "folder_id"],
            ["storage_folders.client_id", "storage_folders.id"],
            name=op.f("fk_storage_items_client_id_folder_id_storage_folders"),
            ondelete="SET NULL (folder_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_storage_items_client_id_project_id_projects"),
            ondelete="SET NULL (project_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_storage_items_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_storage_items_uploaded_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_items")),
        sa.UniqueConstraint("blob_key", name=op.f("uq_storage_items_blob_key")),
    )
    op.create_index(
        op.f("ix_storage_items_client_id_created_at"), "storage_items", ["client_id", "created_at"], unique=False
    )
    op.create_table(
        "support_tickets",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), server_default="medium", nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("assigned_to", sa.UUID(), nullable=True),
        sa.Column("sla_first_response", sa.Interval(), nullable=True),
        sa.Column("sla_resolution", sa.Interval(), nullable=True),
        sa.Column("sla_calendar", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("response_due_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("first_response_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("resolved_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("closed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("sla_warned_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("sla_breached_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("priority IN ('low', 'medium', 'high', 'urgent')", name=op.f("ck_support_tickets_priority")),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'waiting_client', 'resolved', 'closed')",
            name=op.f("ck_support_tickets_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to"], ["users.id"], name=op.f("fk_support_tickets_assigned_to_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_support_tickets_client_id_project_id_projects"),
            ondelete="SET NULL (project_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_support_tickets_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
        sa.UniqueConstraint("client_id", "id", name=op.f("uq_support_tickets_client_id_id")),
    )
    op.create_index(
        "ix_support_tickets_awaiting_response",
        "support_tickets",
        ["response_due_at"],
        unique=False,
        postgresql_where=sa.text("first_response_at IS NULL AND response_due_at IS NOT NULL AND status <> 'closed'"),
    )
    op.create_index(
        op.f("ix_support_tickets_client_id_created_at"), "support_tickets", ["client_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_support_tickets_resolved",
        "support_tickets",
        ["resolved_at"],
        unique=False,
        postgresql_where=sa.text("status = 'resolved'"),
    )
    op.create_table(
        "campaign_metrics",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("conversions", sa.Numeric(precision=14, scale=4), server_default="0", nullable=False),
        sa.Column("cost", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("currency", sa.Text(), server_default="BRL", nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "impressions >= 0 AND clicks >= 0 AND conversions >= 0 AND cost >= 0 AND revenue >= 0",
            name=op.f("ck_campaign_metrics_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "campaign_id"],
            ["campaigns.client_id", "campaigns.id"],
            name=op.f("fk_campaign_metrics_client_id_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "campaign_id", "date", name=op.f("pk_campaign_metrics")),
    )
    op.create_index(op.f("ix_campaign_metrics_client_id_date"), "campaign_metrics", ["client_id", "date"], unique=False)
    op.create_table(
        "dns_records",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("domain_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("ttl", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("proxied", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("provider_record_id", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "type IN ('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SRV')", name=op.f("ck_dns_records_type")
        ),
        sa.CheckConstraint("priority BETWEEN 0 AND 65535", name=op.f("ck_dns_records_priority")),
        sa.CheckConstraint("ttl = 1 OR ttl BETWEEN 60 AND 86400", name=op.f("ck_dns_records_ttl")),
        sa.ForeignKeyConstraint(
            ["client_id", "domain_id"],
            ["domains.client_id", "domains.id"],
            name=op.f("fk_dns_records_client_id_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dns_records")),
    )
    op.create_index(op.f("ix_dns_records_client_id_domain_id"), "dns_records", ["client_id", "domain_id"], unique=False)
    op.create_table(
        "performance_metrics",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("domain_id", sa.UUID(), nullable=True),
        sa.Column("measured_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("lcp_seconds", sa.Numeric(precision=8, scale=3), nullable=True),
        sa.Column("inp_ms", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("cls", sa.Numeric(precision=6, scale=3), nullable=True),
        sa.Column("fid_ms", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("lighthouse_performance", sa.Integer(), nullable=True),
        sa.Column("lighthouse_accessibility", sa.Integer(), nullable=True),
        sa.Column("lighthouse_best_practices", sa.Integer(), nullable=True),
        sa.Column("lighthouse_seo", sa.Integer(), nullable=True),
        sa.Column("grade", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("grade IN ('A+', 'A', 'B', 'C', 'D', 'F')", name=op.f("ck_performance_metrics_grade")),
        sa.CheckConstraint(
            "lighthouse_performance BETWEEN 0 AND 100 AND lighthouse_accessibility BETWEEN 0 AND 100 AND lighthouse_best_practices BETWEEN 0 AND 100 AND lighthouse_seo BETWEEN 0 AND 100",
            name=op.f("ck_performance_metrics_lighthouse"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "domain_id"],
            ["domains.client_id", "domains.id"],
            name=op.f("fk_performance_metrics_client_id_domain_id_domains"),
            ondelete="SET NULL (domain_id)",
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "project_id"],
            ["projects.client_id", "projects.id"],
            name=op.f("fk_performance_metrics_client_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_metrics")),
    )
    op.create_index(
        op.f("ix_performance_metrics_client_id_project_id_measured_at"),
        "performance_metrics",
        ["client_id", "project_id", "measured_at"],
        unique=False,
    )
    op.create_table(
        "support_ticket_messages",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("author_is_staff", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("internal", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "NOT internal OR author_is_staff", name=op.f("ck_support_ticket_messages_internal_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "ticket_id"],
            ["support_tickets.client_id", "support_tickets.id"],
            name=op.f("fk_support_ticket_messages_client_id_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_ticket_messages")),
    )
    op.create_index(
        op.f("ix_support_ticket_messages_client_id_ticket_id_created_at"),
        "support_ticket_messages",
        ["client_id", "ticket_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "ticket_status_changes",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("ticket_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.CheckConstraint("actor IN ('staff', 'client', 'system')", name=op.f("ck_ticket_status_changes_actor")),
        sa.CheckConstraint(
            "from_status IN ('open', 'in_progress', 'waiting_client', 'resolved', 'closed')",
            name=op.f("ck_ticket_status_changes_from_status"),
        ),
        sa.CheckConstraint(
            "to_status IN ('open', 'in_progress', 'waiting_client', 'resolved', 'closed')",
            name=op.f("ck_ticket_status_changes_to_status"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id", "ticket_id"],
            ["support_tickets.client_id", "support_tickets.id"],
            name=op.f("fk_ticket_status_changes_client_id_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "ticket_id", "seq", name=op.f("pk_ticket_status_changes")),
    )

    secure()


def downgrade() -> None:
    unsecure()
    op.drop_table("ticket_status_changes")
    op.drop_index(
        op.f("ix_support_ticket_messages_client_id_ticket_id_created_at"), table_name="support_ticket_messages"
    )
    op.drop_table("support_ticket_messages")
    op.drop_index(op.f("ix_performance_metrics_client_id_project_id_measured_at"), table_name="performance_metrics")
    op.drop_table("performance_metrics")
    op.drop_index(op.f("ix_dns_records_client_id_domain_id"), table_name="dns_records")
    op.drop_table("dns_records")
    op.drop_index(op.f("ix_campaign_metrics_client_id_date"), table_name="campaign_metrics")
    op.drop_table("campaign_metrics")
    op.drop_index(
        "ix_support_tickets_resolved", table_name="support_tickets", postgresql_where=sa.text("status = 'resolved'")
    )
    op.drop_index(op.f("ix_support_tickets_client_id_created_at"), table_name="support_tickets")
    op.drop_index(
        "ix_support_tickets_awaiting_response",
        table_name="support_tickets",
        postgresql_where=sa.text("first_response_at IS NULL AND response_due_at IS NOT NULL AND status <> 'closed'"),
    )
    op.drop_table("support_tickets")
    op.drop_index(op.f("ix_storage_items_client_id_created_at"), table_name="storage_items")
    op.drop_table("storage_items")
    op.drop_index(op.f("ix_network_usage_client_id_date"), table_name="network_usage")
    op.drop_table("network_usage")
    op.drop_index(op.f("ix_milestones_client_id_project_id"), table_name="milestones")
    op.drop_table("milestones")
    op.drop_index(op.f("ix_infrastructure_client_id_project_id"), table_name="infrastructure")
    op.drop_table("infrastructure")
    op.drop_index(op.f("ix_incidents_client_id_started_at"), table_name="incidents")
    op.drop_table("incidents")
    op.drop_index(op.f("ix_domains_client_id_name"), table_name="domains")
    op.drop_table("domains")
    op.drop_table("campaigns")
    op.drop_index(op.f("ix_upload_reservations_expires_at"), table_name="upload_reservations")
    op.drop_index(op.f("ix_upload_reservations_client_id"), table_name="upload_reservations")
    op.drop_table("upload_reservations")
    op.drop_table("storage_folders")
    op.drop_table("quota_usage")
    op.drop_index(op.f("ix_projects_client_id_created_at"), table_name="projects")
    op.drop_table("projects")
    op.drop_table("processed_webhook_events")
    op.drop_index(op.f("ix_members_user_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_audit_events_client_id_occurred_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("users")
    op.drop_table("clients")
