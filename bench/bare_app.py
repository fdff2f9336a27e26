"""The floors for `bench/http_load.py`: a bare Litestar app on asyncpg pools, with nothing around the SQL (no
authentication, no container, no domain objects). Two kinds of floor:

- `/floor/...`: the least a route of its kind could cost. One autocommitted statement on the database owner's
  pool (the owner is a superuser, so row-level security does not apply): the same 50 tickets by one plain
  query, one `INSERT ... RETURNING` into a plain table this app creates, and one single-row query.
- `/same-sql/...`: the statements ARCO sends for each route, in the same transaction, as the client-serving
  role under the same signed scope. When ARCO's SQL for a route changes, change its tuple below; the bench
  counts both sides' statements per request from the server's log, so a tuple that drifted shows.

    python bench/bare_app.py --port 8100 --socket-dir /path --database arco --scope-key <the install's scope key>
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import uvicorn
from litestar import Litestar, get, post
from litestar.datastructures import State

from arco_adapters.postgres.scope import AGENCY_ROLE, CLIENT_SETTING, MAC_SETTING, ScopeSigner
from arco_domain.model.uptime import month_window

POOL_SIZE = 20
"""ARCO's pools keep 10 connections and open as many again under load: the floor may use as many."""
PLAIN_TABLE = "bench_plain_tickets"
APPLICATION_NAME = "arco-bench-floor"


@dataclass(frozen=True)
class Statement:
    sql: str
    arguments: Sequence[str] = ("client",)
    """Names of the request's values, in the order of the statement's `$n` parameters."""


# ARCO's unit of work opens every client transaction with this: the signed scope and the role check.
SCOPE = Statement(
    f"SELECT set_config('{CLIENT_SETTING}', $1, true), set_config('{MAC_SETTING}', $2, true), "
    f"pg_has_role('{AGENCY_ROLE}', 'MEMBER')",
    ("client_text", "mac"),
)
_WITH_HISTORY = (
    "SELECT t.*, (SELECT coalesce(json_agg(json_build_array(c.at, c.from_status, c.to_status, c.actor) "
    "ORDER BY c.seq), '[]'::json) FROM ticket_status_changes c WHERE c.client_id = t.client_id "
    "AND c.ticket_id = t.id) AS history FROM support_tickets t"
)
CLIENT_ROW = Statement("SELECT * FROM clients WHERE id = $1")

LIST_TICKETS = (SCOPE, Statement(f"{_WITH_HISTORY} WHERE t.client_id = $1 ORDER BY t.id DESC LIMIT 51"))
CREATE_TICKET = (
    SCOPE,
    CLIENT_ROW,
    Statement(
        "INSERT INTO quota_usage AS q (client_id, resource, period, used) "
        "SELECT $1, 'support_tickets', $2, 1 WHERE true "
        "ON CONFLICT (client_id, resource, period) DO UPDATE SET used = q.used + excluded.used RETURNING q.used",
        ("client", "month_key"),
    ),
    Statement(
        "INSERT INTO support_tickets (id, client_id, project_id, created_by, subject, description, priority, "
        "status, assigned_to, sla_first_response, sla_resolution, sla_calendar, response_due_at, first_response_at, "
        "resolved_at, closed_at, sla_warned_at, sla_breached_at, created_at) VALUES (uuidv7(), $1, NULL, $2, $3, $4, "
        "'medium', 'open', NULL, interval '4 hours', interval '1 day', NULL, $5::timestamptz + interval '4 hours', "
        "NULL, NULL, NULL, NULL, NULL, $5)",
        ("client", "user", "subject", "description", "now"),
    ),
)
DASHBOARD = (
    SCOPE,
    CLIENT_ROW,
    Statement(
        "SELECT resource, used FROM quota_usage WHERE client_id = $1 AND period = ANY(ARRAY[$2, 'stock'])",
        ("client", "month_key"),
    ),
    Statement(
        f"{_WITH_HISTORY} WHERE t.client_id = $1 AND t.created_at >= $2 AND t.created_at < $3",
        ("client", "month_start", "month_end"),
    ),
    Statement("SELECT * FROM projects WHERE client_id = $1 ORDER BY created_at"),
    Statement("SELECT * FROM milestones WHERE client_id = $1 ORDER BY project_id, due_date NULLS LAST, created_at"),
    Statement("SELECT * FROM domains WHERE client_id = $1 ORDER BY name"),
    Statement("SELECT * FROM infrastructure WHERE client_id = $1 ORDER BY project_id"),
    Statement(
        "SELECT coalesce(sum(bandwidth_bytes), 0), coalesce(sum(requests_2xx), 0), coalesce(sum(requests_3xx), 0), "
        "coalesce(sum(requests_4xx), 0), coalesce(sum(requests_5xx), 0), (SELECT date FROM network_usage "
        "WHERE client_id = $1 AND date >= $2 AND date <= $3 GROUP BY date ORDER BY sum(requests_total) DESC, date "
        "LIMIT 1) AS busiest_day FROM network_usage WHERE client_id = $1 AND date >= $2 AND date <= $3",
        ("client", "first_day", "today"),
    ),
    Statement("SELECT count(*) FROM storage_items WHERE client_id = $1"),
    Statement(
        "SELECT DISTINCT ON (project_id) * FROM performance_metrics WHERE client_id = $1 "
        "ORDER BY project_id, measured_at DESC"
    ),
    Statement(
        "SELECT * FROM incidents WHERE client_id = $1 AND started_at < $2 AND (resolved_at IS NULL "
        "OR resolved_at > $3) ORDER BY started_at, id",
        ("client", "month_end", "month_start"),
    ),
    Statement(
        "SELECT c.platform, m.currency, sum(m.impressions), sum(m.clicks), sum(m.conversions), sum(m.cost), "
        "sum(m.revenue) FROM campaign_metrics m JOIN campaigns c ON c.client_id = m.client_id AND c.id = "
        "m.campaign_id WHERE m.client_id = $1 AND m.date >= $2 AND m.date <= $3 GROUP BY c.platform, m.currency",
        ("client", "first_day", "today"),
    ),
)

PLAIN_TICKETS = "SELECT * FROM support_tickets WHERE client_id = $1 ORDER BY id DESC LIMIT 50"
PLAIN_INSERT = (
    f"INSERT INTO {PLAIN_TABLE} (client_id, created_by, subject, description) VALUES ($1, $2, $3, $4) RETURNING *"
)
ONE_ROW = CLIENT_ROW.sql


def request_values(signer: ScopeSigner, client: UUID, **extra: object) -> dict[str, object]:
    """Every value a statement may name, computed per request as ARCO computes them."""
    now = datetime.now(UTC)
    month_start, month_end = month_window(now)
    return {
        "client": client, "client_text": str(client), "mac": signer.mac(client), "now": now,
        "month_start": month_start, "month_end": month_end, "first_day": month_start.date(),
        "today": now.date(), "month_key": f"{now:%Y-%m}", **extra,
    }  # fmt: skip


async def run_in_scope(
    state: State, statements: Sequence[Statement], values: Mapping[str, object]
) -> list[list[dict[str, Any]]]:
    """Run `statements` in one transaction of the client-serving role; the rows of each, in order."""
    results = []
    async with state.app_pool.acquire() as connection, connection.transaction():
        for statement in statements:
            rows = await connection.fetch(statement.sql, *(values[name] for name in statement.arguments))
            results.append(as_dicts(rows))
    return results


def as_dicts(records: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(record) for record in records]


@get("/floor/tickets")
async def plain_tickets(state: State, client: UUID) -> dict[str, Any]:
    return {"items": as_dicts(await state.owner_pool.fetch(PLAIN_TICKETS, client))}


@post("/floor/tickets")
async def plain_insert(state: State, client: UUID, user: UUID, data: dict[str, str]) -> dict[str, Any]:
    return dict(await state.owner_pool.fetchrow(PLAIN_INSERT, client, user, data["subject"], data["description"]))


@get("/floor/client")
async def one_row(state: State, client: UUID) -> dict[str, Any]:
    return dict(await state.owner_pool.fetchrow(ONE_ROW, client))


@get("/same-sql/tickets")
async def same_sql_tickets(state: State, client: UUID) -> dict[str, Any]:
    *_, tickets = await run_in_scope(state, LIST_TICKETS, request_values(state.signer, client))
    return {"items": tickets[:50]}


@post("/same-sql/tickets")
async def same_sql_create(state: State, client: UUID, user: UUID, data: dict[str, str]) -> dict[str, Any]:
    values = request_values(state.signer, client, user=user, **data)
    await run_in_scope(state, CREATE_TICKET, values)
    return {"subject": data["subject"], "status": "open"}


@get("/same-sql/dashboard")
async def same_sql_dashboard(state: State, client: UUID) -> dict[str, Any]:
    return {"panels": await run_in_scope(state, DASHBOARD, request_values(state.signer, client))}


async def keep_session(connection: asyncpg.Connection) -> None:
    """No reset statement when a connection goes back to its pool (asyncpg's default adds a round trip per
    request): the floor keeps no session state, and the scope's settings end with their transaction."""


def create(socket_dir: str, database: str, scope_key: str) -> Litestar:
    @asynccontextmanager
    async def pools(app: Litestar) -> AsyncIterator[None]:
        settings = {"application_name": APPLICATION_NAME}
        connect = {
            "host": socket_dir, "database": database, "max_size": POOL_SIZE, "server_settings": settings,
            "reset": keep_session,
        }  # fmt: skip
        app.state.owner_pool = await asyncpg.create_pool(user="postgres", **connect)
        app.state.app_pool = await asyncpg.create_pool(user="arco_app", **connect)
        app.state.signer = ScopeSigner(scope_key)
        await app.state.owner_pool.execute(
            f"CREATE TABLE IF NOT EXISTS {PLAIN_TABLE} (id uuid PRIMARY KEY DEFAULT uuidv7(), client_id uuid NOT NULL, "
            "created_by uuid NOT NULL, subject text NOT NULL, description text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        yield
        await app.state.app_pool.close()
        await app.state.owner_pool.close()

    handlers = [plain_tickets, plain_insert, one_row, same_sql_tickets, same_sql_create, same_sql_dashboard]
    return Litestar(handlers, lifespan=[pools])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--socket-dir", required=True)
    parser.add_argument("--database", default="arco")
    parser.add_argument("--scope-key", required=True)
    args = parser.parse_args()
    app = create(args.socket_dir, args.database, args.scope_key)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, server_header=False)
