"""The SLA scan on PostgreSQL: racing a staff reply, each side's transaction held open at its commit while the
other runs into it, neither the reply's first response nor the scan's breach flag may be written over; and its
read goes through a partial index that holds only the tickets it still has something to record on."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.memory.clock import ManualClock
from arco_adapters.postgres import tables as t
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.tickets import unbreached_awaiting_response_query
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client, UserType
from arco_domain.model.tickets import Ticket, TicketMessage
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.tickets import CreateTicket, PostTicketMessage, ScanTicketSla, SlaScanReport
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.integration.held_units import second_waits_for_first

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PAST_THE_PRO_SLA = START + timedelta(hours=4, minutes=1)


async def open_ticket(uow: PostgresUnitOfWorkFactory, clock: ManualClock, ids: Uuid7Generator) -> Ticket:
    """A pro client's ticket opened at `START`, due for a first response four hours later."""
    client = Client(id=ClientId(ids.new_id()), name="Race Co", tier=Tier.PRO, created_at=START)
    async with uow(DataScope.of_client(client.id)) as unit:
        await unit.clients.add(client)
        await unit.commit()
    owner = Principal(UserId(ids.new_id()), UserType.CLIENT, client.id)
    return await CreateTicket(uow=uow, clock=clock, ids=ids)(owner, subject="Checkout fails", description="Since 9am")


async def breach_notices(agency_engine: AsyncEngine, ticket: Ticket) -> int:
    async with agency_engine.connect() as connection:
        keys = await connection.scalars(select(t.job_outbox.c.dedupe_key))
        return sum(key == f"sla-breached-{ticket.id}" for key in keys)


class TestSlaScanRacingAStaffReply:
    async def test_a_reply_the_scan_did_not_see_keeps_its_first_response_and_draws_no_breach(
        self,
        postgres_uow: PostgresUnitOfWorkFactory,
        agency_engine: AsyncEngine,
        postgres: EmbeddedPostgres,
        database: str,
    ) -> None:
        clock, ids = ManualClock(START), Uuid7Generator()
        ticket = await open_ticket(postgres_uow, clock, ids)
        clock.set(PAST_THE_PRO_SLA)
        staff = Principal(UserId(ids.new_id()), UserType.SUPPORT)

        def reply(uow: UnitOfWorkFactory) -> Awaitable[TicketMessage]:
            answer = PostTicketMessage(uow=uow, clock=clock, ids=ids)
            return answer(staff, ticket.client_id, ticket.id, body="Looking into it now")

        def scan(uow: UnitOfWorkFactory) -> Awaitable[SlaScanReport]:
            return ScanTicketSla(uow=uow, clock=clock, staff_inbox="support@example.com")()

        # The reply is written but not committed when the scan reads the ticket, unanswered, and then meets the
        # reply's lock on it.
        message, report = await second_waits_for_first(postgres_uow, postgres, database, reply, scan)

        async with postgres_uow(DataScope.of_client(ticket.client_id)) as uow:
            stored = await uow.tickets.get(ticket.client_id, ticket.id)
        assert (stored.first_response_at, stored.sla_breached_at) == (message.created_at, None)
        assert ticket.id not in report.breached
        assert await breach_notices(agency_engine, ticket) == 0

    async def test_a_reply_during_the_scan_keeps_the_breach_the_scan_recorded(
        self,
        postgres_uow: PostgresUnitOfWorkFactory,
        agency_engine: AsyncEngine,
        postgres: EmbeddedPostgres,
        database: str,
    ) -> None:
        clock, ids = ManualClock(START), Uuid7Generator()
        ticket = await open_ticket(postgres_uow, clock, ids)
        clock.set(PAST_THE_PRO_SLA)
        staff = Principal(UserId(ids.new_id()), UserType.SUPPORT)

        def scan(uow: UnitOfWorkFactory) -> Awaitable[SlaScanReport]:
            return ScanTicketSla(uow=uow, clock=clock, staff_inbox="support@example.com")()

        def reply(uow: UnitOfWorkFactory) -> Awaitable[TicketMessage]:
            answer = PostTicketMessage(uow=uow, clock=clock, ids=ids)
            return answer(staff, ticket.client_id, ticket.id, body="Looking into it now")

        # The breach is written but not committed when the reply reads the ticket and meets the scan's lock on it.
        report, message = await second_waits_for_first(postgres_uow, postgres, database, scan, reply)

        async with postgres_uow(DataScope.of_client(ticket.client_id)) as uow:
            stored = await uow.tickets.get(ticket.client_id, ticket.id)
        assert (stored.first_response_at, stored.sla_breached_at) == (message.created_at, PAST_THE_PRO_SLA)
        assert ticket.id in report.breached
        assert await breach_notices(agency_engine, ticket) == 1


class TestSlaScanIndex:
    async def test_the_scan_reads_through_an_index_that_leaves_breached_tickets_out(
        self, agency_engine: AsyncEngine
    ) -> None:
        query = unbreached_awaiting_response_query().compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        async with agency_engine.connect() as connection:
            definition = await connection.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_support_tickets_awaiting_response'")
            )
            # With sequential scans priced out, the planner takes the index whenever its predicate allows.
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(await connection.scalars(text(f"EXPLAIN {query}")))
        assert "sla_breached_at IS NULL" in definition
        assert "ix_support_tickets_awaiting_response" in plan
