"""The floor for `bench/http_load.py`: a bare Litestar app on an asyncpg pool, running the same SQL as ARCO's
routes with nothing around it (no authentication, no container, no domain objects).

    python bench/bare_app.py --port 8100 --socket-dir /path --database arco --scope-key <the install's scope key>
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import uvicorn
from litestar import Litestar, get, post
from litestar.datastructures import State

from arco_adapters.postgres.scope import CLIENT_SETTING, MAC_SETTING, ScopeSigner

# The scope as ARCO's unit of work sets it: the client and its MAC under the install's scope key.
SCOPE = f"SELECT set_config('{CLIENT_SETTING}', $1, true), set_config('{MAC_SETTING}', $2, true)"
TICKETS = (
    "SELECT t.*, (SELECT coalesce(json_agg(json_build_array(c.at, c.from_status, c.to_status, c.actor) "
    "ORDER BY c.seq), '[]'::json) FROM ticket_status_changes c WHERE c.client_id = t.client_id "
    "AND c.ticket_id = t.id) AS history FROM support_tickets t WHERE t.client_id = $1 ORDER BY t.id DESC LIMIT 51"
)
CLIENT = "SELECT * FROM clients WHERE id = $1"
ADMIT = (
    "INSERT INTO quota_usage AS q (client_id, resource, period, used) VALUES ($1, 'support_tickets', $2, 1) "
    "ON CONFLICT (client_id, resource, period) DO UPDATE SET used = q.used + 1 RETURNING used"
)
INSERT_TICKET = (
    "INSERT INTO support_tickets (id, client_id, created_by, subject, description, priority, status) "
    "VALUES (uuidv7(), $1, $2, $3, $4, 'medium', 'open') RETURNING id, subject, status, created_at"
)


def rows(records: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(record) for record in records]


@get("/bare/tickets")
async def list_tickets(state: State, client: UUID) -> dict[str, Any]:
    async with state.pool.acquire() as connection, connection.transaction():
        await connection.execute(SCOPE, str(client), state.signer.mac(client))
        tickets = await connection.fetch(TICKETS, client)
    return {"items": rows(tickets[:50])}


@get("/bare/client")
async def one_query(state: State, client: UUID) -> dict[str, Any]:
    async with state.pool.acquire() as connection, connection.transaction():
        await connection.execute(SCOPE, str(client), state.signer.mac(client))
        return rows(await connection.fetch(CLIENT, client))[0]


@post("/bare/tickets")
async def create_ticket(state: State, client: UUID, user: UUID, data: dict[str, str]) -> dict[str, Any]:
    async with state.pool.acquire() as connection, connection.transaction():
        await connection.execute(SCOPE, str(client), state.signer.mac(client))
        await connection.fetchval(ADMIT, client, "2026-11")
        created = await connection.fetchrow(INSERT_TICKET, client, user, data["subject"], data["description"])
    return dict(created)


def create(socket_dir: str, database: str, scope_key: str) -> Litestar:
    @asynccontextmanager
    async def pool(app: Litestar) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(host=socket_dir, user="arco_app", database=database, max_size=10)
        app.state.signer = ScopeSigner(scope_key)
        yield
        await app.state.pool.close()

    return Litestar([list_tickets, one_query, create_ticket], lifespan=[pool])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--socket-dir", required=True)
    parser.add_argument("--database", default="arco")
    parser.add_argument("--scope-key", required=True)
    args = parser.parse_args()
    app = create(args.socket_dir, args.database, args.scope_key)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
