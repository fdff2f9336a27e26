"""The relational schema as SQLAlchemy Core tables. Rows never leave this package.

Every tenant-scoped table carries `client_id`: it is the row-level security key, the leading column of
each tenant index, and the distribution key of a sharded deployment. Children reference their parents
through `(client_id, id)`, so a row can never point at another client's parent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP, UUID

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

TIMESTAMPTZ = TIMESTAMP(timezone=True)
MONEY = Numeric(14, 2)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _id() -> Column[object]:
    return Column("id", UUID(as_uuid=True), primary_key=True)


def _client() -> Column[object]:
    return Column("client_id", UUID(as_uuid=True), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)


def _created() -> Column[object]:
    return Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()"))


def _updated() -> Column[object]:
    return Column("updated_at", TIMESTAMPTZ, nullable=False, server_default=text("now()"))


def _owned_by(parent: str, column: str, *, ondelete: str = "CASCADE") -> ForeignKeyConstraint:
    """A same-client reference: `(client_id, column)` to the parent's `(client_id, id)`."""
    return ForeignKeyConstraint(["client_id", column], [f"{parent}.client_id", f"{parent}.id"], ondelete=ondelete)


TIERS = ("free", "basic", "pro", "enterprise")
RESOURCES = ("projects", "domains", "team_members", "storage_bytes", "support_tickets")
SUBSCRIPTION_STATUSES = ("active", "trialing", "past_due", "canceled", "unpaid", "incomplete")
PROJECT_STATUSES = ("discovery", "development", "testing", "staging", "live", "maintenance")
TICKET_STATUSES = ("open", "in_progress", "waiting_client", "resolved", "closed")
PRIORITIES = ("low", "medium", "high", "urgent")
SEVERITIES = ("low", "medium", "high", "critical")
PLATFORMS = ("google_ads", "meta_ads", "linkedin_ads", "tiktok_ads")

clients = Table(
    "clients",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("tier", Text, nullable=False, server_default="free"),
    Column("custom_limits", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("billing_period_start", TIMESTAMPTZ),
    Column("billing_period_end", TIMESTAMPTZ),
    Column("subscription_status", Text),
    Column("stripe_customer_id", Text, unique=True),
    Column("stripe_subscription_id", Text),
    Column("subscription_observed_at", TIMESTAMPTZ),
    Column("past_due_since", TIMESTAMPTZ),
    Column("cancel_at_period_end", Boolean, nullable=False, server_default=text("false")),
    Column("time_zone", Text, nullable=False, server_default=text("'America/Sao_Paulo'")),
    _created(),
    _updated(),
    CheckConstraint(_in("tier", TIERS), name="tier"),
    CheckConstraint(_in("subscription_status", SUBSCRIPTION_STATUSES), name="subscription_status"),
    CheckConstraint("billing_period_end > billing_period_start", name="billing_period"),
    CheckConstraint("(billing_period_start IS NULL) = (billing_period_end IS NULL)", name="billing_period_pair"),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("email", Text, nullable=False, unique=True),
    Column("user_type", Text, nullable=False),
    Column("full_name", Text),
    Column("password_hash", Text),
    _created(),
    Column("language", Text, nullable=False, server_default="pt-BR"),
    CheckConstraint(_in("user_type", ("client", "admin", "developer", "support")), name="user_type"),
    CheckConstraint("email = lower(email)", name="email_lower"),
    CheckConstraint(_in("language", ("pt-BR", "en")), name="language"),
)

members = Table(
    "members",
    metadata,
    _id(),
    _client(),
    Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("full_name", Text),
    _created(),
    UniqueConstraint("client_id", "email"),
    CheckConstraint(_in("role", ("owner", "member")), name="role"),
    CheckConstraint(_in("status", ("invited", "active")), name="status"),
)

projects = Table(
    "projects",
    metadata,
    _id(),
    _client(),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("status", Text, nullable=False),
    Column("start_date", Date),
    Column("estimated_delivery", Date),
    Column("actual_delivery", Date),
    Column("budget_total", MONEY),
    Column("budget_used", MONEY),
    Column("currency", Text, nullable=False, server_default="BRL"),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "id"),
    Index(None, "client_id", "created_at"),
    CheckConstraint(_in("status", PROJECT_STATUSES), name="status"),
    CheckConstraint("budget_total >= 0", name="budget_total"),
)

milestones = Table(
    "milestones",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("title", Text, nullable=False),
    Column("due_date", Date),
    Column("completed_at", TIMESTAMPTZ),
    _created(),
    _owned_by("projects", "project_id"),
    Index(None, "client_id", "project_id"),
)

domains = Table(
    "domains",
    metadata,
    _id(),
    _client(),
    Column("project_id", UUID(as_uuid=True)),
    Column("name", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("nameservers", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("ssl_status", Text, nullable=False),
    Column("ssl_expires_on", Date),
    Column("renewal_date", Date),
    Column("zone_id", Text),
    Column("hostname_status", Text, nullable=False, server_default="pending"),
    Column("provider_checked_at", TIMESTAMPTZ),
    Column("provider_unreachable_since", TIMESTAMPTZ),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "id"),
    _owned_by("projects", "project_id", ondelete="SET NULL (project_id)"),
    Index(None, "client_id", "name"),
    CheckConstraint(_in("status", ("active", "expired", "pending", "suspended")), name="status"),
    CheckConstraint(_in("ssl_status", ("active", "expired", "pending", "failed", "none")), name="ssl_status"),
    CheckConstraint(_in("hostname_status", ("pending", "active", "moved")), name="hostname_status"),
)

dns_records = Table(
    "dns_records",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("domain_id", UUID(as_uuid=True), nullable=False),
    Column("type", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("priority", Integer),
    Column("proxied", Boolean, nullable=False, server_default=text("false")),
    Column("provider_record_id", Text),
    _created(),
    _owned_by("domains", "domain_id"),
    Index(None, "client_id", "domain_id"),
    Index(
        "uq_dns_records_provider_record",
        "client_id",
        "domain_id",
        "provider_record_id",
        unique=True,
        postgresql_where=text("provider_record_id IS NOT NULL"),
    ),
    CheckConstraint(_in("type", ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SRV")), name="type"),
    CheckConstraint("ttl = 1 OR ttl BETWEEN 60 AND 86400", name="ttl"),
    CheckConstraint("priority BETWEEN 0 AND 65535", name="priority"),
)

dns_drift = Table(
    "dns_drift",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("domain_id", UUID(as_uuid=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", UUID(as_uuid=True)),
    Column("provider_record_id", Text),
    Column("arco", JSONB),
    Column("provider", JSONB),
    Column("detail", Text, nullable=False),
    Column("detected_at", TIMESTAMPTZ, nullable=False),
    _owned_by("domains", "domain_id"),
    Index(None, "client_id", "domain_id"),
    CheckConstraint(_in("kind", ("missing_at_provider", "unmanageable", "refused_by_provider")), name="kind"),
)
"""What the last reconciliation of each domain found at the DNS provider and did not adopt."""

infrastructure = Table(
    "infrastructure",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("hosting_provider", Text),
    Column("hosting_plan", Text),
    Column("hosting_status", Text),
    Column("hosting_monthly_cost", MONEY),
    Column("cdn_provider", Text),
    Column("cdn_cache_hit_rate", Numeric(5, 2)),
    Column("database_provider", Text),
    Column("database_size_bytes", BigInteger),
    Column("database_backup_status", Text),
    Column("database_last_backup", TIMESTAMPTZ),
    _created(),
    _updated(),
    _owned_by("projects", "project_id"),
    Index(None, "client_id", "project_id"),
    CheckConstraint(_in("hosting_status", ("online", "offline", "maintenance")), name="hosting_status"),
    CheckConstraint(_in("database_backup_status", ("ok", "pending", "failed")), name="backup_status"),
    CheckConstraint("cdn_cache_hit_rate BETWEEN 0 AND 100", name="cache_hit_rate"),
)

network_usage = Table(
    "network_usage",
    metadata,
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("date", Date, nullable=False),
    Column("bandwidth_bytes", BigInteger, nullable=False, server_default="0"),
    Column("requests_total", BigInteger, nullable=False, server_default="0"),
    Column("requests_2xx", BigInteger, nullable=False, server_default="0"),
    Column("requests_3xx", BigInteger, nullable=False, server_default="0"),
    Column("requests_4xx", BigInteger, nullable=False, server_default="0"),
    Column("requests_5xx", BigInteger, nullable=False, server_default="0"),
    Column("geo_distribution", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("peak_time", TIMESTAMPTZ),
    Column("peak_requests_per_second", Integer),
    _created(),
    PrimaryKeyConstraint("client_id", "project_id", "date"),
    _owned_by("projects", "project_id"),
    Index(None, "client_id", "date"),
    CheckConstraint(
        "bandwidth_bytes >= 0 AND requests_2xx >= 0 AND requests_3xx >= 0 AND requests_4xx >= 0 "
        "AND requests_5xx >= 0 AND requests_total >= requests_2xx + requests_3xx + requests_4xx + requests_5xx",
        name="counts",
    ),
)

storage_folders = Table(
    "storage_folders",
    metadata,
    _id(),
    _client(),
    Column("parent_folder_id", UUID(as_uuid=True)),
    Column("name", Text, nullable=False),
    Column("path", Text, nullable=False),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "path"),
    UniqueConstraint("client_id", "id"),
    _owned_by("storage_folders", "parent_folder_id"),
)

storage_items = Table(
    "storage_items",
    metadata,
    _id(),
    _client(),
    Column("project_id", UUID(as_uuid=True)),
    Column("folder_id", UUID(as_uuid=True)),
    Column("file_name", Text, nullable=False),
    Column("blob_key", Text, nullable=False, unique=True),
    Column("content_type", Text),
    Column("size_bytes", BigInteger, nullable=False),
    Column("uploaded_by", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    Column("tags", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    _created(),
    _owned_by("projects", "project_id", ondelete="SET NULL (project_id)"),
    _owned_by("storage_folders", "folder_id", ondelete="SET NULL (folder_id)"),
    Index(None, "client_id", "created_at"),
    CheckConstraint("size_bytes > 0", name="size_bytes"),
)

upload_reservations = Table(
    "upload_reservations",
    metadata,
    _id(),
    _client(),
    Column("file_name", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    _created(),
    Column("expires_at", TIMESTAMPTZ, nullable=False, index=True),
    Index(None, "client_id"),
    CheckConstraint("size_bytes > 0", name="size_bytes"),
)

support_tickets = Table(
    "support_tickets",
    metadata,
    _id(),
    _client(),
    Column("project_id", UUID(as_uuid=True)),
    Column("created_by", UUID(as_uuid=True), nullable=False),
    Column("subject", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("priority", Text, nullable=False, server_default="medium"),
    Column("status", Text, nullable=False, server_default="open"),
    Column("assigned_to", UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")),
    Column("sla_first_response", Interval),
    Column("sla_resolution", Interval),
    Column("sla_calendar", JSONB),
    Column("response_due_at", TIMESTAMPTZ),
    Column("first_response_at", TIMESTAMPTZ),
    Column("resolved_at", TIMESTAMPTZ),
    Column("closed_at", TIMESTAMPTZ),
    Column("sla_warned_at", TIMESTAMPTZ),
    Column("sla_breached_at", TIMESTAMPTZ),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "id"),
    _owned_by("projects", "project_id", ondelete="SET NULL (project_id)"),
    Index(None, "client_id", "created_at"),
    Index(
        "ix_support_tickets_awaiting_response",
        "response_due_at",
        postgresql_where=text(
            "first_response_at IS NULL AND response_due_at IS NOT NULL AND status <> 'closed'"
            " AND sla_breached_at IS NULL"
        ),
    ),
    Index("ix_support_tickets_resolved", "resolved_at", postgresql_where=text("status = 'resolved'")),
    CheckConstraint(_in("priority", PRIORITIES), name="priority"),
    CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
)

ticket_status_changes = Table(
    "ticket_status_changes",
    metadata,
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("ticket_id", UUID(as_uuid=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    Column("actor", Text, nullable=False),
    PrimaryKeyConstraint("client_id", "ticket_id", "seq"),
    _owned_by("support_tickets", "ticket_id"),
    CheckConstraint(_in("from_status", TICKET_STATUSES), name="from_status"),
    CheckConstraint(_in("to_status", TICKET_STATUSES), name="to_status"),
    CheckConstraint(_in("actor", ("staff", "client", "system")), name="actor"),
)

support_ticket_messages = Table(
    "support_ticket_messages",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("ticket_id", UUID(as_uuid=True), nullable=False),
    Column("author_id", UUID(as_uuid=True), nullable=False),
    Column("author_is_staff", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    Column("attachments", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("internal", Boolean, nullable=False, server_default=text("false")),
    _created(),
    _owned_by("support_tickets", "ticket_id"),
    Index(None, "client_id", "ticket_id", "created_at"),
    CheckConstraint("NOT internal OR author_is_staff", name="internal_by_staff"),
)

performance_metrics = Table(
    "performance_metrics",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("domain_id", UUID(as_uuid=True)),
    Column("measured_at", TIMESTAMPTZ, nullable=False),
    Column("lcp_seconds", Numeric(8, 3)),
    Column("inp_ms", Numeric(10, 2)),
    Column("cls", Numeric(6, 3)),
    Column("fid_ms", Numeric(10, 2)),
    Column("lighthouse_performance", Integer),
    Column("lighthouse_accessibility", Integer),
    Column("lighthouse_best_practices", Integer),
    Column("lighthouse_seo", Integer),
    Column("grade", Text),
    _created(),
    _owned_by("projects", "project_id"),
    _owned_by("domains", "domain_id", ondelete="SET NULL (domain_id)"),
    Index(None, "client_id", "project_id", "measured_at"),
    CheckConstraint(
        " AND ".join(
            f"{c} BETWEEN 0 AND 100"
            for c in (
                "lighthouse_performance",
                "lighthouse_accessibility",
                "lighthouse_best_practices",
                "lighthouse_seo",
            )
        ),
        name="lighthouse",
    ),
    CheckConstraint(_in("grade", ("A+", "A", "B", "C", "D", "F")), name="grade"),
)

ad_accounts = Table(
    "ad_accounts",
    metadata,
    _id(),
    _client(),
    Column("platform", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("login_customer_id", Text),
    Column("sealed_grant", LargeBinary, nullable=False),
    Column("status", Text, nullable=False),
    Column("connected_at", TIMESTAMPTZ, nullable=False),
    Column("last_synced_at", TIMESTAMPTZ),
    Column("last_sync_error", Text),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "id"),
    UniqueConstraint("client_id", "platform", "external_id"),
    CheckConstraint(_in("platform", PLATFORMS), name="platform"),
    CheckConstraint(_in("status", ("connected", "disconnected")), name="status"),
)
"""Ad accounts a client connected; `sealed_grant` is the client's grant encrypted by ARCO's secret box."""

campaigns = Table(
    "campaigns",
    metadata,
    _id(),
    _client(),
    Column("project_id", UUID(as_uuid=True)),
    Column("platform", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="active"),
    Column("budget_daily", MONEY),
    Column("currency", Text, nullable=False, server_default="BRL"),
    Column("ad_account_id", UUID(as_uuid=True)),
    _created(),
    _updated(),
    UniqueConstraint("client_id", "id"),
    UniqueConstraint("client_id", "platform", "external_id"),
    _owned_by("projects", "project_id", ondelete="SET NULL (project_id)"),
    _owned_by("ad_accounts", "ad_account_id", ondelete="SET NULL (ad_account_id)"),
    CheckConstraint(_in("platform", PLATFORMS), name="platform"),
    CheckConstraint(_in("status", ("active", "paused", "ended")), name="status"),
)

campaign_metrics = Table(
    "campaign_metrics",
    metadata,
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("campaign_id", UUID(as_uuid=True), nullable=False),
    Column("date", Date, nullable=False),
    Column("impressions", BigInteger, nullable=False, server_default="0"),
    Column("clicks", BigInteger, nullable=False, server_default="0"),
    Column("conversions", Numeric(14, 4), nullable=False, server_default="0"),
    Column("cost", MONEY, nullable=False, server_default="0"),
    Column("revenue", MONEY, nullable=False, server_default="0"),
    Column("currency", Text, nullable=False, server_default="BRL"),
    _created(),
    PrimaryKeyConstraint("client_id", "campaign_id", "date"),
    _owned_by("campaigns", "campaign_id"),
    Index(None, "client_id", "date"),
    CheckConstraint(
        "impressions >= 0 AND clicks >= 0 AND conversions >= 0 AND cost >= 0 AND revenue >= 0", name="counts"
    ),
)

incidents = Table(
    "incidents",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("severity", Text, nullable=False, server_default="medium"),
    Column("status", Text, nullable=False, server_default="investigating"),
    Column("started_at", TIMESTAMPTZ, nullable=False),
    Column("resolved_at", TIMESTAMPTZ),
    Column("affected_users", Integer),
    Column("revenue_impact", MONEY),
    Column("root_cause", Text),
    Column("resolution_notes", Text),
    _created(),
    _updated(),
    _owned_by("projects", "project_id"),
    Index(None, "client_id", "started_at"),
    CheckConstraint(_in("severity", SEVERITIES), name="severity"),
    CheckConstraint(_in("status", ("investigating", "identified", "monitoring", "resolved")), name="status"),
    CheckConstraint("resolved_at IS NULL OR resolved_at >= started_at", name="resolved_after_start"),
    CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_state"),
)

quota_usage = Table(
    "quota_usage",
    metadata,
    _client(),
    Column("resource", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("used", BigInteger, nullable=False),
    PrimaryKeyConstraint("client_id", "resource", "period"),
    CheckConstraint(_in("resource", RESOURCES), name="resource"),
    CheckConstraint("used >= 0", name="used"),
)

audit_events = Table(
    "audit_events",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), ForeignKey("clients.id", ondelete="SET NULL")),
    Column("action", Text, nullable=False),
    Column("actor_id", UUID(as_uuid=True)),
    Column("impersonator_id", UUID(as_uuid=True)),
    Column("occurred_at", TIMESTAMPTZ, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index(None, "client_id", "occurred_at"),
)

processed_webhook_events = Table(
    "processed_webhook_events",
    metadata,
    Column("provider", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("client_id", UUID(as_uuid=True), ForeignKey("clients.id", ondelete="SET NULL")),
    Column("outcome", Text, nullable=False),
    Column("processed_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("provider", "event_id"),
)

mail_log = Table(
    "mail_log",
    metadata,
    _id(),
    Column("client_id", UUID(as_uuid=True), ForeignKey("clients.id", ondelete="SET NULL")),
    Column("recipients", ARRAY(Text), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("provider_message_id", Text),
    _created(),
    Index(None, "created_at"),
    CheckConstraint(_in("status", ("recorded", "sent", "failed")), name="status"),
)
"""Every e-mail ARCO sends (or, without a provider, would send): one row per cause, for staff to read."""

uptime_monitors = Table(
    "uptime_monitors",
    metadata,
    Column("client_id", UUID(as_uuid=True), nullable=False),
    Column("project_id", UUID(as_uuid=True), nullable=False),
    Column("url", Text, nullable=False),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("last_checked_at", TIMESTAMPTZ),
    Column("last_status", Text),
    Column("open_incident_id", UUID(as_uuid=True)),
    PrimaryKeyConstraint("client_id", "project_id"),
    _owned_by("projects", "project_id"),
    CheckConstraint("consecutive_failures >= 0", name="failures"),
    CheckConstraint(_in("last_status", ("up", "down")), name="last_status"),
)

job_ticks = Table(
    "job_ticks",
    metadata,
    Column("job", Text, nullable=False),
    Column("tick", TIMESTAMPTZ, nullable=False),
    Column("finished_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("job", "tick"),
)
"""Scheduled runs that completed: a (job, tick) pair runs once however many workers fire it."""

job_outbox = Table(
    "job_outbox",
    metadata,
    _id(),
    Column("job", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("dedupe_key", Text, nullable=False, unique=True),
    _created(),
    Column("dispatched_at", TIMESTAMPTZ),
    Column("client_id", UUID(as_uuid=True)),
    Index("ix_job_outbox_pending", "created_at", postgresql_where=text("dispatched_at IS NULL")),
    # An insert must not read its new id back (`RETURNING`): the client-serving role may add rows, not read them.
    implicit_returning=False,
)
"""Jobs asked for inside a transaction, handed to the queue only once it committed.

`client_id` is the client whose transaction asked (NULL for the agency's): row-level security lets a
client-scoped transaction add jobs for its own client only, and read none.
"""

ticket_response_months = Table(
    "ticket_response_months",
    metadata,
    _client(),
    Column("month", Text, nullable=False),
    Column("answered", BigInteger, nullable=False),
    Column("total_wait_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("client_id", "month"),
    CheckConstraint("answered >= 0", name="answered"),
)
"""First responses added up per client and month of the tickets' opening, on the client's clock (`YYYY-MM` in
`clients.time_zone`): how many tickets have one and their waits in microseconds. Kept by triggers in the same
transaction as every ticket change (migration 0013), so the dashboard reads one row however many tickets."""

TENANT_TABLES: tuple[Table, ...] = (
    members,
    projects,
    milestones,
    domains,
    dns_records,
    dns_drift,
    infrastructure,
    network_usage,
    storage_folders,
    storage_items,
    upload_reservations,
    support_tickets,
    ticket_status_changes,
    support_ticket_messages,
    performance_metrics,
    ad_accounts,
    campaigns,
    campaign_metrics,
    incidents,
    quota_usage,
    audit_events,
    uptime_monitors,
    ticket_response_months,
)
"""Tables whose rows belong to one client through `client_id` (RLS keyed on it)."""

sandbox_dns_zones = Table(
    "sandbox_dns_zones",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("nameservers", ARRAY(Text), nullable=False),
    _created(),
)
"""The sandbox DNS provider's zones (staging and embedded mode): the provider's data, not a client's."""

sandbox_dns_records = Table(
    "sandbox_dns_records",
    metadata,
    Column("id", Text, primary_key=True),
    Column("zone_id", Text, ForeignKey("sandbox_dns_zones.id", ondelete="CASCADE"), nullable=False),
    Column("type", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("ttl", Integer, nullable=False),
    Column("priority", Integer),
    Column("proxied", Boolean, nullable=False),
    _created(),
    Index(None, "zone_id", "name"),
)
"""The sandbox DNS provider's records, as a provider holds them (fully-qualified names)."""

sandbox_subscriptions = Table(
    "sandbox_subscriptions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("customer", Text, nullable=False, index=True),
    Column("content", JSONB, nullable=False),
    _created(),
)
"""The sandbox payment provider's subscriptions, each as the Stripe-shaped object it sends in its events."""

sandbox_billing_events = Table(
    "sandbox_billing_events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("position", BigInteger, Identity(always=True), nullable=False, unique=True),
    Column("created_at", TIMESTAMPTZ, nullable=False, index=True),
    Column("content", JSONB, nullable=False),
)
"""Every event the sandbox payment provider sent, in the order it sent them (`position`)."""

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner_id", UUID(as_uuid=True), nullable=False),
    Column("key", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    _created(),
    PrimaryKeyConstraint("owner_id", "key"),
    Index(None, "created_at"),
    CheckConstraint("char_length(key) BETWEEN 1 AND 255", name="key"),
    CheckConstraint("status BETWEEN 100 AND 599", name="status"),
    CheckConstraint(
        "(status IS NULL) = (response_headers IS NULL) AND (status IS NULL) = (response_body IS NULL)",
        name="response",
    ),
)
"""Retry protection for the HTTP API, per caller (a client's id, or a staff user's id).

Not a tenant table: the owner is not always a client, and the adapter reads it outside any unit of work.
`status` is NULL while the first request is in flight. Rows older than a day are dead and may be purged.
"""
