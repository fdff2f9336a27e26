"""Where ARCO's database lives: a configured server, or the embedded one in the data directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import upgrade

EMBEDDED_DATABASE = "arco"
APP_ROLE = "arco_app"


async def _ensure_database(server: EmbeddedPostgres, name: str) -> None:
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _allow_app_login(server: EmbeddedPostgres) -> None:
    # The embedded server trusts local socket connections only, so the role needs no password.
    connection = await asyncpg.connect(host=server.socket_dir, user="postgres", database="postgres")
    try:
        await connection.execute(f"ALTER ROLE {APP_ROLE} LOGIN")
    finally:
        await connection.close()


def start_embedded(data_dir: Path) -> tuple[EmbeddedPostgres, str]:
    """Start (or reuse) the embedded server in `data_dir/pgdata`, migrate it, and return it with the
    URL the application connects with. Data persists across restarts. Call it outside an event loop."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(data_dir / "pgdata")
    asyncio.run(_ensure_database(server, EMBEDDED_DATABASE))
    upgrade(server.url(database=EMBEDDED_DATABASE))
    asyncio.run(_allow_app_login(server))
    return server, server.url(user=APP_ROLE, database=EMBEDDED_DATABASE)
