"""When PostgreSQL fails under ARCO: a restart, a stale pooled connection, a stuck lock, a full pool.

Every such failure is answered `503` with `Retry-After`, never a `500`, and the API heals by itself once the
database is back. The tests run a PostgreSQL server of their own, which they stop and start under the app.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres.connections import DatabaseLimits, create_database_engine, own_transaction
from arco_adapters.postgres.database import EMBEDDED_DATABASE, EmbeddedDatabase, start_embedded
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.errors import Unavailable
from arco_domain.model.access import DataScope
from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import PASSWORD, free_port, running_server, settings_for

SCOPE_KEY = "faults-test-scope-key-of-32-characters-or-more"
TICKET = {"subject": "Site is down", "description": "The home page answers 502 since this morning."}
_messages = count()


class RestartableDatabase:
    """An embedded server of the module's own, which a test may stop and start again under the app's feet;
    it comes back on the same socket with the same data, as a restarted production server would."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self.current: EmbeddedDatabase = start_embedded(data_dir, SCOPE_KEY)

    @property
    def urls(self) -> dict[str, str]:
        return {
            "database_url": self.current.url,
            "agency_database_url": self.current.agency_url,
            "scope_key": SCOPE_KEY,
        }

    def restart(self) -> None:
        self.current.server.stop()
        self.current = start_embedded(self._data_dir, SCOPE_KEY)

    async def superuser(self) -> asyncpg.Connection:
        return await asyncpg.connect(host=self.current.server.socket_dir, user="postgres", database=EMBEDDED_DATABASE)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableDatabase]:
    database = RestartableDatabase(tmp_path_factory.mktemp("faults"))
    yield database
    database.current.server.stop()


@dataclass
class Client:
    """A signed-up client owner talking to the app over HTTP, with one ticket to write messages on."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    ticket_id: str = ""

    async def post_message(self, **headers: str) -> httpx.Response:
        body = {"message": f"Any news? ({next(_messages)})"}
        return await self.http.post(
            f"/v1/tickets/{self.ticket_id}/messages", json=body, headers={**self.headers, **headers}
        )

    async def message_ids(self) -> set[str]:
        thread = await self.http.get(f"/v1/tickets/{self.ticket_id}", headers=self.headers)
        assert thread.status_code == 200, thread.text
        return {message["id"] for message in thread.json()["messages"]}


@pytest.fixture
def app_changes() -> dict[str, Any]:
    """Settings a test changes for its app."""
    return {}


@pytest.fixture
async def client(database: RestartableDatabase, app_changes: dict[str, Any]) -> AsyncIterator[Client]:
    """The real app under uvicorn on the module's own server, and a client owner of it with one ticket."""
    runtime = Runtime(settings_for(database.urls, **app_changes))
    with running_server(runtime, free_port()) as url:
        async with httpx.AsyncClient(base_url=url, timeout=15) as http:
            email = f"owner-{uuid4().hex}@faults.example.com"
            credentials = {"email": email, "password": PASSWORD}
            signed_up = await http.post("/v1/auth/signup", json={**credentials, "company_name": "Faults"})
            assert signed_up.status_code == 201, signed_up.text
            token = (await http.post("/v1/auth/login", json=credentials)).json()["access_token"]
            client = Client(http, {"Authorization": f"Bearer {token}"})
            ticket = await http.post("/v1/tickets", json=TICKET, headers=client.headers)
            assert ticket.status_code == 201, ticket.text
            client.ticket_id = ticket.json()["id"]
            yield client


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/unavailable")
    assert 1 <= int(response.headers["retry-after"]) <= 5


@dataclass
class Load:
    """What a bounded load saw: every answer, and the messages it was told were written."""

    answers: list[httpx.Response] = field(default_factory=list)
    written: set[str] = field(default_factory=set)

    async def run(self, client: Client, until: asyncio.Event) -> None:
        while not until.is_set():
            written = await client.post_message(**{"Idempotency-Key": uuid4().hex})
            read = await client.http.get(f"/v1/tickets/{client.ticket_id}", headers=client.headers)
            self.answers += [written, read]
            if written.status_code == 201:
                self.written.add(written.json()["id"])


class TestDatabaseRestart:
    async def test_a_restart_under_load_answers_only_successes_or_503_and_loses_no_acknowledged_write(
        self, database: RestartableDatabase, client: Client
    ) -> None:
        load, stop = Load(), asyncio.Event()
        workers = [asyncio.create_task(load.run(client, stop)) for _ in range(4)]
        await asyncio.sleep(1)
        await asyncio.to_thread(database.restart)
        await asyncio.sleep(2)
        stop.set()
        await asyncio.gather(*workers)

        statuses = {answer.status_code for answer in load.answers}
        assert statuses <= {200, 201, 503}, sorted(statuses)
        refused = [answer for answer in load.answers if answer.status_code == 503]
        assert refused, "the load never met the restart"
        for answer in refused:
            assert_unavailable(answer)
        recovered = [await client.post_message() for _ in range(10)]
        assert [answer.status_code for answer in recovered] == [201] * 10
        assert load.written <= await client.message_ids()

    async def test_the_first_request_after_a_quiet_restart_is_served_on_a_fresh_connection(
        self, database: RestartableDatabase, client: Client
    ) -> None:
        # Several requests at once leave several connections in each pool, all of which the restart closes.
        warm = await asyncio.gather(*(client.post_message() for _ in range(6)))
        assert {answer.status_code for answer in warm} == {201}
        await asyncio.to_thread(database.restart)
        first = await client.post_message(**{"Idempotency-Key": uuid4().hex})
        assert first.status_code == 201, first.text
        assert first.json()["id"] in await client.message_ids()


class TestStuckLocks:
    @pytest.mark.parametrize(
        "app_changes",
        [{"db_lock_timeout": 0.5}, {"db_statement_timeout": 0.5, "db_lock_timeout": 30}],
        ids=["lock timeout", "statement timeout"],
    )
    async def test_a_request_blocked_on_a_locked_row_answers_503_within_the_limit_and_leaves_its_key_free(
        self, database: RestartableDatabase, client: Client, app_changes: dict[str, Any]
    ) -> None:
        holder = await database.superuser()
        try:
            async with holder.transaction():
                locked = "SELECT 1 FROM support_tickets WHERE id = $1 FOR UPDATE"
                await holder.execute(locked, UUID(client.ticket_id))
                started = time.monotonic()
                blocked = await client.post_message(**{"Idempotency-Key": "blocked-1"})
                waited = time.monotonic() - started
        finally:
            await holder.close()
        assert_unavailable(blocked)
        assert waited < 0.5 + 2, waited
        retried = await client.post_message(**{"Idempotency-Key": "blocked-1"})
        assert retried.status_code == 201, retried.text


class TestConnectionLimits:
    @pytest.fixture
    async def engines(self, database: RestartableDatabase) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
        limits = DatabaseLimits(pool_timeout=timedelta(seconds=0.3))
        made = (
            create_database_engine(database.current.url, pool_size=1, limits=limits),
            create_database_engine(database.current.agency_url, pool_size=1, limits=limits),
        )
        yield made
        for engine in made:
            await engine.dispose()

    async def test_no_free_pooled_connection_within_the_pool_timeout_is_unavailable(
        self, engines: tuple[AsyncEngine, AsyncEngine]
    ) -> None:
        _, agency = engines
        factory = PostgresUnitOfWorkFactory(*engines, SCOPE_KEY)
        held = [await agency.connect() for _ in range(2)]  # the pool's one connection and its one overflow
        try:
            started = time.monotonic()
            with pytest.raises(Unavailable, match="came free"):
                async with factory(DataScope.all_clients()):
                    pass
            assert time.monotonic() - started < 2
        finally:
            for connection in held:
                await connection.close()

    async def test_a_connection_the_server_ends_mid_transaction_is_unavailable(
        self, database: RestartableDatabase, engines: tuple[AsyncEngine, AsyncEngine]
    ) -> None:
        _, agency = engines
        with pytest.raises(Unavailable, match="lost"):
            async with own_transaction(agency) as connection:
                backend = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()
                superuser = await database.superuser()
                try:
                    await superuser.execute("SELECT pg_terminate_backend($1)", backend)
                finally:
                    await superuser.close()
                await connection.execute(text("SELECT 1"))
        async with own_transaction(agency) as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
