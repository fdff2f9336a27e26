"""First responses added up per client and month, kept by triggers, so the dashboard's ticket panel reads one
row however many tickets the client opened this month.

The month is the tickets' month of opening on the client's clock. A trigger on `support_tickets` moves a
ticket's wait in and out of its month's row in the same transaction as every insert, first-response change or
delete; a trigger on `clients` recounts a client's rows when its time zone changes. The rows are backfilled
by a recount.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "arco_app"
AGENCY_ROLE = "arco_agency"
SIGNED_RULE = f"(SELECT pg_has_role('{AGENCY_ROLE}', 'MEMBER')) OR client_id = (SELECT arco_scope_client())"

_RECOUNT = """
    INSERT INTO ticket_response_months (client_id, month, answered, total_wait_us)
    SELECT t.client_id, to_char(t.created_at AT TIME ZONE c.time_zone, 'YYYY-MM'), count(*),
           sum(((extract(epoch FROM t.first_response_at) - extract(epoch FROM t.created_at)) * 1000000)::bigint)
    FROM support_tickets t JOIN clients c ON c.id = t.client_id
    WHERE t.first_response_at IS NOT NULL {only}
    GROUP BY 1, 2
"""

_TICKET_TRIGGER = """
CREATE FUNCTION arco_count_first_response() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.first_response_at IS NOT NULL THEN
        SELECT time_zone INTO zone FROM clients WHERE id = OLD.client_id;
        UPDATE ticket_response_months
        SET answered = answered - 1,
            total_wait_us = total_wait_us
                - ((extract(epoch FROM OLD.first_response_at) - extract(epoch FROM OLD.created_at)) * 1000000)::bigint
        WHERE client_id = OLD.client_id AND month = to_char(OLD.created_at AT TIME ZONE zone, 'YYYY-MM');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.first_response_at IS NOT NULL THEN
        SELECT time_zone INTO zone FROM clients WHERE id = NEW.client_id;
        INSERT INTO ticket_response_months AS m (client_id, month, answered, total_wait_us)
        VALUES (
            NEW.client_id, to_char(NEW.created_at AT TIME ZONE zone, 'YYYY-MM'), 1,
            ((extract(epoch FROM NEW.first_response_at) - extract(epoch FROM NEW.created_at)) * 1000000)::bigint
        )
        ON CONFLICT (client_id, month) DO UPDATE
        SET answered = m.answered + 1, total_wait_us = m.total_wait_us + excluded.total_wait_us;
    END IF;
    RETURN NULL;
END
$$
"""

_ZONE_TRIGGER = f"""
CREATE FUNCTION arco_recount_first_responses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_response_months WHERE client_id = NEW.id;
    {_RECOUNT.format(only="AND t.client_id = NEW.id")};
    RETURN NULL;
END
$$
"""


_TICKET_EVENTS = (
    ("count_first_response_added", "INSERT", "NEW.first_response_at IS NOT NULL"),
    (
        "count_first_response_changed",
        "UPDATE OF first_response_at, created_at",
        "OLD.first_response_at IS DISTINCT FROM NEW.first_response_at OR OLD.created_at IS DISTINCT FROM NEW.created_at",
    ),
    ("count_first_response_removed", "DELETE", "OLD.first_response_at IS NOT NULL"),
)


def upgrade() -> None:
    op.create_table(
        "ticket_response_months",
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("answered", sa.BigInteger(), nullable=False),
        sa.Column("total_wait_us", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("answered >= 0", name=op.f("ck_ticket_response_months_answered")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_ticket_response_months_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("client_id", "month", name=op.f("pk_ticket_response_months")),
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ticket_response_months TO {APP_ROLE}, {AGENCY_ROLE}")
    op.execute("ALTER TABLE ticket_response_months ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE ticket_response_months FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON ticket_response_months USING ({SIGNED_RULE}) WITH CHECK ({SIGNED_RULE})"
    )
    op.execute(_TICKET_TRIGGER)
    # Only rows whose first response counts or changes run the function: a new ticket has none yet, and most
    # updates (status moves, assignment) leave it as it was.
    for name, event, condition in _TICKET_EVENTS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON support_tickets FOR EACH ROW WHEN ({condition})"
            " EXECUTE FUNCTION arco_count_first_response()"
        )
    op.execute(_ZONE_TRIGGER)
    op.execute(
        "CREATE TRIGGER recount_first_responses AFTER UPDATE OF time_zone ON clients FOR EACH ROW"
        " WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION arco_recount_first_responses()"
    )
    op.execute(_RECOUNT.format(only=""))


def downgrade() -> None:
    op.execute("DROP TRIGGER recount_first_responses ON clients")
    for name, _, _ in _TICKET_EVENTS:
        op.execute(f"DROP TRIGGER {name} ON support_tickets")
    op.execute("DROP FUNCTION arco_recount_first_responses(), arco_count_first_response()")
    op.drop_table("ticket_response_months")
