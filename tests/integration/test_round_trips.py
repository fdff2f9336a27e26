"""How many times a request waits on PostgreSQL, counted on the wire between the real app and the server.

Each request is sent once to warm up (a connection prepares a statement the first time it runs it), then
once more, with other values where it takes any, and counted: a statement rebuilt with a call's values in
its text would be prepared again, and show as a Parse message and a round trip.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from dependency_injector import providers
from httpx import Response
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import default
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_entrypoints.container import Container
from tests.integration.http import conftest as http_fixtures
from tests.integration.http.conftest import Account, Staff, cheap_hasher, settings_for, sign_up
from tests.integration.wire_counter import WireCount, WireCounter

GET_BUDGET = 2
"""A read: the client's scope, then the one query."""
DASHBOARD_BUDGET = 2
GET_OVERRUNS = {
    "/ready": 6,  # BEGIN, SELECT 1, ROLLBACK on each of the two pools
    **dict.fromkeys(
        [
            "/v1/admin/clients/{client_id:uuid}", "/v1/admin/clients/{client_id:uuid}/tickets",
            "/v1/admin/clients/{client_id:uuid}/tickets/{ticket_id:uuid}", "/v1/domains/{domain_id:uuid}/dns-drift",
            "/v1/domains/{domain_id:uuid}/dns-records", "/v1/projects/{project_id:uuid}",
            "/v1/tickets/{ticket_id:uuid}", "/v1/usage",
        ],
        3,
    ),  # two queries each
}  # fmt: skip
"""Reads that still cost more than the budget, at what they cost today, so that none grows."""
WRITE_BUDGETS = {
    "POST /v1/tickets": 6,  # the scope, the client, BEGIN, the quota, the ticket, COMMIT
    "POST /v1/projects": 6,  # the same steps
    "PATCH /v1/projects/{id}": 4,  # BEGIN with the scope, the locked project, the update, COMMIT
    "POST /v1/projects/{id}/milestones": 5,
    "POST /v1/tickets/{id}/messages": 8,
}
IDEMPOTENCY_KEY_BUDGET = 6
"""What an Idempotency-Key adds to a write: its claim and its completion, each a short transaction of its own
(BEGIN, the statement, COMMIT)."""

api, staff = http_fixtures.api, http_fixtures.staff  # the HTTP fixtures, on this module's container
Send = Callable[[], Awaitable[Response]]


@pytest.fixture
def wire(tmp_path_factory: pytest.TempPathFactory, postgres: EmbeddedPostgres) -> Iterator[WireCounter]:
    counter = WireCounter(Path(tmp_path_factory.mktemp("wire")), postgres.socket_dir)
    yield counter
    counter.close()


@pytest.fixture
def container(database_urls: dict[str, str], wire: WireCounter) -> Container:
    """The app's container, both of its database roles reaching the server through the counter."""
    container = Container(settings=settings_for({name: wire.url_for(value) for name, value in database_urls.items()}))
    container.adapters.hasher.override(providers.Resource(cheap_hasher))
    return container


@pytest.fixture
async def engines(api: AsyncTestClient[Any], container: Container) -> list[AsyncEngine]:
    """The app's own engines, started with it."""
    return [await container.adapters.engine(), await container.adapters.agency_engine()]


@pytest.fixture
async def owner(api: AsyncTestClient[Any], staff: Staff) -> Account:
    """A client owner on the tier with room for every create below."""
    account = await sign_up(api, "Counted")
    upgraded = await api.patch(f"/v1/admin/clients/{account.client_id}", json={"tier": "pro"}, headers=staff.headers)
    assert upgraded.status_code == 200, upgraded.text
    return account


@asynccontextmanager
async def statements_compiled(engines: list[AsyncEngine]) -> AsyncIterator[list[str]]:
    """The statements the app's engines compiled afresh (missing SQLAlchemy's compiled cache) in the block."""
    compiled: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, context: ExecutionContext, _many: Any) -> None:
        if getattr(context, "cache_hit", None) is not default.CACHE_HIT:
            compiled.append(statement)

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield compiled
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", record)


async def counted(wire: WireCounter, engines: list[AsyncEngine], warm_up: Send, send: Send) -> WireCount:
    """The round trips of `send`, after `warm_up` ran the same route; both must succeed. Nothing may be
    prepared or compiled afresh the second time."""
    first = await warm_up()
    assert first.status_code < 400, first.text
    async with statements_compiled(engines) as compiled:
        with wire.counting() as count:
            response = await send()
    assert response.status_code < 400, response.text
    assert (count.prepared, compiled) == (0, []), f"{response.request.url.path}: prepared again"
    return count


class TestTheCounter:
    async def test_counts_each_wait_for_the_server_including_transaction_control(
        self, wire: WireCounter, database: str
    ) -> None:
        connection = await asyncpg.connect(host=str(wire.directory), user="postgres", database=database)
        try:
            with wire.counting() as count:
                await connection.execute("BEGIN")  # a simple query
                assert await connection.fetchval("SELECT $1::int + 1", 1) == 2  # prepared, then bound and run
                await connection.execute("COMMIT")
        finally:
            await connection.close()
        assert (count.round_trips, count.prepared) == (4, 1)


class TestRoundTripsPerRequest:
    async def test_every_get_route_waits_on_the_database_at_most_twice(
        self, api: AsyncTestClient[Any], owner: Account, staff: Staff, wire: WireCounter, engines: list[AsyncEngine]
    ) -> None:
        project = (await api.post("/v1/projects", json={"name": "Site"}, headers=owner.headers)).json()
        ticket = (await api.post("/v1/tickets", json=ticket_body(), headers=owner.headers)).json()
        domain = await api.post("/v1/domains", json={"name": f"{uuid4().hex[:10]}.com.br"}, headers=owner.headers)
        known = {
            "client_id": owner.client_id, "project_id": project["id"], "ticket_id": ticket["id"],
            "domain_id": domain.json()["id"],
        }  # fmt: skip
        over: dict[str, int] = {}
        for path in get_paths(api.app):
            target = re.sub(r"\{(\w+):\w+\}", lambda field: known.get(field[1], str(uuid4())), path)
            headers = staff.headers if path.startswith("/v1/admin/") else owner.headers
            trips = await round_trips_of_a_read(api, wire, engines, target, headers)
            if trips > GET_OVERRUNS.get(path, DASHBOARD_BUDGET if path == "/v1/dashboard" else GET_BUDGET):
                over[path] = trips
        assert over == {}

    async def test_writes_wait_on_the_database_within_their_budgets(
        self, api: AsyncTestClient[Any], owner: Account, wire: WireCounter, engines: list[AsyncEngine]
    ) -> None:
        headers = owner.headers
        project = (await api.post("/v1/projects", json={"name": "Site"}, headers=headers)).json()
        ticket = (await api.post("/v1/tickets", json=ticket_body(), headers=headers)).json()
        projects, tickets = f"/v1/projects/{project['id']}", f"/v1/tickets/{ticket['id']}"

        def posting(path: str, body: Callable[[], dict[str, Any]]) -> Send:
            return lambda: api.post(path, json=body(), headers=headers)

        writes = {
            "POST /v1/tickets": posting("/v1/tickets", ticket_body),
            "POST /v1/projects": posting("/v1/projects", lambda: {"name": f"Site {uuid4().hex[:6]}"}),
            "PATCH /v1/projects/{id}": lambda: api.patch(projects, json={"name": uuid4().hex}, headers=headers),
            "POST /v1/projects/{id}/milestones": posting(f"{projects}/milestones", lambda: {"title": uuid4().hex}),
            "POST /v1/tickets/{id}/messages": posting(f"{tickets}/messages", lambda: {"message": uuid4().hex}),
        }
        seen = {route: (await counted(wire, engines, send, send)).round_trips for route, send in writes.items()}
        assert {route: trips for route, trips in seen.items() if trips > WRITE_BUDGETS[route]} == {}, seen

    async def test_an_idempotency_key_adds_no_more_than_its_budget(
        self, api: AsyncTestClient[Any], owner: Account, wire: WireCounter, engines: list[AsyncEngine]
    ) -> None:
        def create(**keyed: str) -> Send:
            return lambda: api.post("/v1/tickets", json=ticket_body(), headers={**owner.headers, **keyed})

        plain = await counted(wire, engines, create(), create())
        keyed = await counted(wire, engines, create(**{"Idempotency-Key": "warm"}), create(**{"Idempotency-Key": "k"}))
        assert keyed.round_trips - plain.round_trips <= IDEMPOTENCY_KEY_BUDGET, (plain.round_trips, keyed.round_trips)


def ticket_body() -> dict[str, str]:
    return {"subject": f"Question {uuid4().hex[:8]}", "description": "Please have a look"}


def get_paths(app: Litestar) -> list[str]:
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and any("GET" in handler.http_methods for handler in route.route_handlers)
    )


async def round_trips_of_a_read(
    api: AsyncTestClient[Any], wire: WireCounter, engines: list[AsyncEngine], target: str, headers: dict[str, str]
) -> int:
    """The round trips of a GET, warmed up first. A path with an unknown id may be answered 404: its
    reading still counts, and must cost no more."""
    first = await api.get(target, headers=headers)
    async with statements_compiled(engines) as compiled:
        with wire.counting() as count:
            second = await api.get(target, headers=headers)
    assert second.status_code == first.status_code < 500, (target, second.text)
    assert (count.prepared, compiled) == (0, []), f"{target}: prepared again"
    return count.round_trips
