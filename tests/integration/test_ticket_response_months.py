"""The running totals of first responses always equal a recount of the tickets, whatever happens to them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_adapters.postgres import tables as t

START = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)  # a month's end is within reach, on every clock
ZONES = ["America/Sao_Paulo", "Asia/Tokyo", "UTC", "Pacific/Kiritimati"]

RECOUNT = text(
    """
    SELECT t.client_id, to_char(t.created_at AT TIME ZONE c.time_zone, 'YYYY-MM'), count(*),
           sum(((extract(epoch FROM t.first_response_at) - extract(epoch FROM t.created_at)) * 1000000)::bigint)
    FROM support_tickets t JOIN clients c ON c.id = t.client_id
    WHERE t.first_response_at IS NOT NULL AND t.client_id = ANY(:clients)
    GROUP BY 1, 2
    """
)

opened = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))
waits = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))
steps = st.one_of(
    st.tuples(st.just("open"), st.integers(0, 1), opened, st.none() | waits),
    st.tuples(st.just("answer"), st.integers(0, 20), waits),
    st.tuples(st.just("forget"), st.integers(0, 20)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 1), st.sampled_from(ZONES)),
)


Step = tuple[object, ...]
"""One change: open, answer, forget (clear the first response), delete, or move the client to another zone."""


async def apply(connection: AsyncConnection, clients: list[UUID], tickets: list[tuple[UUID, UUID]], step: Step) -> None:
    s = t.support_tickets.c
    match step:
        case ("open", which, after, wait):
            ticket, at = uuid4(), START + after
            await connection.execute(
                insert(t.support_tickets).values(
                    id=ticket, client_id=clients[which], created_by=uuid4(), subject="s", description="d",
                    created_at=at, first_response_at=None if wait is None else at + wait,
                )
            )  # fmt: skip
            tickets.append((clients[which], ticket))
        case ("answer", index, wait) if tickets:
            client, ticket = tickets[index % len(tickets)]
            created = select(s.created_at).where(s.client_id == client, s.id == ticket).scalar_subquery()
            await connection.execute(
                update(t.support_tickets).where(s.id == ticket).values(first_response_at=created + wait)
            )
        case ("forget", index) if tickets:
            await connection.execute(
                update(t.support_tickets).where(s.id == tickets[index % len(tickets)][1]).values(first_response_at=None)
            )
        case ("delete", index) if tickets:
            await connection.execute(delete(t.support_tickets).where(s.id == tickets.pop(index % len(tickets))[1]))
        case ("move", which, zone):
            await connection.execute(update(t.clients).where(t.clients.c.id == clients[which]).values(time_zone=zone))


async def totals(connection: AsyncConnection, clients: list[UUID]) -> dict[tuple[UUID, str], tuple[int, int]]:
    r = t.ticket_response_months.c
    kept = await connection.execute(
        select(r.client_id, r.month, r.answered, r.total_wait_us).where(r.client_id.in_(clients))
    )
    rows = {(client, month): (answered, wait) for client, month, answered, wait in kept}
    assert all(wait == 0 for answered, wait in rows.values() if answered == 0)
    return {key: value for key, value in rows.items() if value[0] > 0}


class TestTicketResponseMonths:
    async def test_the_totals_equal_a_recount_after_any_sequence_of_changes(self, agency_engine: AsyncEngine) -> None:
        loop = asyncio.get_running_loop()

        async def check(sequence: list[Step]) -> None:
            clients = [uuid4(), uuid4()]
            async with agency_engine.begin() as connection:
                await connection.execute(insert(t.clients).values([{"id": c, "name": f"Client {c}"} for c in clients]))
                tickets: list[tuple[UUID, UUID]] = []
                for step in sequence:
                    await apply(connection, clients, tickets, step)
                recount = await connection.execute(RECOUNT, {"clients": clients})
                expected = {(client, month): (answered, wait) for client, month, answered, wait in recount}
                assert await totals(connection, clients) == expected

        @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(steps, max_size=12))
        def totals_match(sequence: list[Step]) -> None:
            # Hypothesis drives a blocking function; the database work runs on the test's own loop meanwhile.
            asyncio.run_coroutine_threadsafe(check(sequence), loop).result()

        await asyncio.to_thread(totals_match)
