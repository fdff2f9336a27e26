"""A client scope no statement can widen or move: signed scopes, the agency role, and narrow paths to users.

The policies stop trusting `arco.client_id` / `arco.all_clients` as set: the client id counts only with its
HMAC under a key in a schema the application roles cannot reach, and every client is visible only to members
of `arco_agency`, a role of its own. The client-serving role loses the tables that hold every client's rows
(users, the idempotency keys, the mail log, webhook events, scheduled runs, the sandbox DNS) and may only
add jobs to the outbox for its own client.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"
AGENCY_ROLE = "arco_agency"
PRIVATE = "arco_private"
SCOPED_TABLES = (
    ("clients", "id"),
    *((table, "client_id") for table in (
        "members", "projects", "milestones", "domains", "dns_records", "infrastructure", "network_usage",
        "storage_folders", "storage_items", "upload_reservations", "support_tickets", "ticket_status_changes",
        "support_ticket_messages", "performance_metrics", "campaigns", "campaign_metrics", "incidents",
        "quota_usage", "audit_events", "uptime_monitors", "dns_drift", "ad_accounts",
    )),
)  # fmt: skip
AGENCY_ONLY = (
    "users", "processed_webhook_events", "idempotency_keys", "mail_log", "job_ticks", "job_outbox",
    "sandbox_dns_zones", "sandbox_dns_records",
)  # fmt: skip
"""Tables the client-serving role had every right on before this revision, and has none on after it."""

SIGNED_RULE = f"(SELECT pg_has_role('{AGENCY_ROLE}', 'MEMBER')) OR {{key}} = (SELECT arco_scope_client())"
FORGEABLE_RULE = "(SELECT arco_all_clients()) OR {key} = (SELECT arco_current_client())"


def _replace_policy(table: str, rule: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({rule}) WITH CHECK ({rule})")


def _create_private_key_store() -> None:
    # A new schema grants nothing to PUBLIC: only its owner (the role migrating) can reach the key.
    op.execute(f"CREATE SCHEMA {PRIVATE}")
    op.execute(
        f"""
        CREATE TABLE {PRIVATE}.scope_key (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            inner_pad bytea NOT NULL CHECK (length(inner_pad) = 64),
            outer_pad bytea NOT NULL CHECK (length(outer_pad) = 64)
        )
        """
    )
    # HMAC-SHA256 (RFC 2104) over the built-in sha256(): the embedded server is built without pgcrypto.
    # The key's two padded blocks are derived once, here, so a check costs two sha256 calls and no loop.
    op.execute(
        f"""
        CREATE FUNCTION {PRIVATE}.install_scope_key(key bytea) RETURNS void
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            block bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
            inner_pad bytea;
            outer_pad bytea;
        BEGIN
            IF length(key) = 0 THEN
                RAISE EXCEPTION 'the scope key is empty' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            block := block || decode(repeat('00', 64 - length(block)), 'hex');
            inner_pad := block;
            outer_pad := block;
            FOR i IN 0..63 LOOP
                inner_pad := set_byte(inner_pad, i, get_byte(block, i) # 54);  -- 0x36
                outer_pad := set_byte(outer_pad, i, get_byte(block, i) # 92);  -- 0x5c
            END LOOP;
            INSERT INTO {PRIVATE}.scope_key (inner_pad, outer_pad) VALUES (inner_pad, outer_pad)
            ON CONFLICT (singleton) DO UPDATE SET inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad;
        END $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {PRIVATE}.install_scope_key(bytea) FROM PUBLIC")


def _create_scope_check() -> None:
    # No key installed, no settings, or a MAC that does not match: NULL, which no row's client equals.
    op.execute(
        f"""
        CREATE FUNCTION arco_scope_client() RETURNS uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            claimed text := current_setting('arco.client_id', true);
            presented text := current_setting('arco.scope_mac', true);
            key {PRIVATE}.scope_key;
        BEGIN
            IF coalesce(claimed, '') = '' OR coalesce(presented, '') = '' THEN
                RETURN NULL;
            END IF;
            SELECT * INTO key FROM {PRIVATE}.scope_key;
            IF NOT FOUND OR encode(
                sha256(key.outer_pad || sha256(key.inner_pad || convert_to('arco-scope:' || claimed, 'UTF8'))), 'hex'
            ) <> presented THEN
                RETURN NULL;
            END IF;
            RETURN claimed::uuid;
        END $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION arco_scope_client() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION arco_scope_client() TO {APP_ROLE}, {AGENCY_ROLE}")


def _create_user_functions() -> None:
    """What a client-scoped transaction may do with users, the table it has no grant on.

    Each needs a signed scope. Reads return one user's row with the password hash left out (signing in runs
    under the agency role); registering always makes a client user, never staff.
    """
    for name, column, kind in (("arco_user_by_email", "email", "text"), ("arco_user_by_id", "id", "uuid")):
        op.execute(
            f"""
            CREATE FUNCTION {name}(wanted {kind}) RETURNS SETOF public.users
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE
                identity public.users;
            BEGIN
                IF public.arco_scope_client() IS NULL THEN
                    RETURN;
                END IF;
                SELECT * INTO identity FROM public.users WHERE {column} = wanted;
                IF FOUND THEN
                    identity.password_hash := NULL;
                    RETURN NEXT identity;
                END IF;
            END $$
            """
        )
    # The columns named in `fields` only, so columns left out keep their defaults.
    op.execute(
        """
        CREATE FUNCTION arco_register_user(fields jsonb) RETURNS void
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            client_user jsonb := fields || '{"user_type": "client"}';
            columns text;
        BEGIN
            IF public.arco_scope_client() IS NULL THEN
                RAISE EXCEPTION 'registering a user needs a client scope' USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT string_agg(format('%I', field), ', ') INTO columns FROM jsonb_object_keys(client_user) AS field;
            EXECUTE format(
                'INSERT INTO public.users (%1$s) SELECT %1$s FROM jsonb_populate_record(NULL::public.users, $1)',
                columns
            ) USING client_user;
        END $$
        """
    )
    functions = "arco_user_by_email(text), arco_user_by_id(uuid), arco_register_user(jsonb)"
    op.execute(f"REVOKE ALL ON FUNCTION {functions} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {functions} TO {APP_ROLE}")


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{AGENCY_ROLE}') THEN
                CREATE ROLE {AGENCY_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {AGENCY_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {AGENCY_ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {AGENCY_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE ON audit_events FROM {AGENCY_ROLE}")  # append-only for everyone

    _create_private_key_store()
    _create_scope_check()
    _create_user_functions()

    op.add_column("job_outbox", sa.Column("client_id", sa.UUID(), nullable=True))
    op.execute("ALTER TABLE job_outbox ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE job_outbox FORCE ROW LEVEL SECURITY")
    for table, key in (*SCOPED_TABLES, ("job_outbox", "client_id")):
        _replace_policy(table, SIGNED_RULE.format(key=key))
    op.execute("DROP FUNCTION arco_current_client(), arco_all_clients()")

    op.execute(f"REVOKE ALL ON {', '.join(AGENCY_ONLY)} FROM {APP_ROLE}")
    op.execute(f"GRANT INSERT ON job_outbox TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(AGENCY_ONLY)} TO {APP_ROLE}")
    op.execute(
        "CREATE FUNCTION arco_current_client() RETURNS uuid LANGUAGE sql STABLE"
        " AS $$ SELECT NULLIF(current_setting('arco.client_id', true), '')::uuid $$"
    )
    op.execute(
        "CREATE FUNCTION arco_all_clients() RETURNS boolean LANGUAGE sql STABLE"
        " AS $$ SELECT coalesce(current_setting('arco.all_clients', true), '') = 'on' $$"
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION arco_current_client(), arco_all_clients() TO {APP_ROLE}")
    for table, key in SCOPED_TABLES:
        _replace_policy(table, FORGEABLE_RULE.format(key=key))
    op.execute("DROP POLICY tenant_isolation ON job_outbox")
    op.execute("ALTER TABLE job_outbox NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE job_outbox DISABLE ROW LEVEL SECURITY")
    op.drop_column("job_outbox", "client_id")

    op.execute("DROP FUNCTION arco_user_by_email(text), arco_user_by_id(uuid), arco_register_user(jsonb)")
    op.execute("DROP FUNCTION arco_scope_client()")
    op.execute(f"DROP SCHEMA {PRIVATE} CASCADE")
    # The role belongs to the cluster and may serve other databases: only this database's grants go.
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {AGENCY_ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {AGENCY_ROLE}")
