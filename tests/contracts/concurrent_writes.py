"""Concurrent writers lose nothing: the contract of `get_for_update` and of the SLA flags, run on every adapter.

Two units of work change different fields of one row. The first takes the row and holds it; the second,
started then, must wait until the first commits and then read what it committed, so that each whole-row
`update` carries the other's change. With a plain read the second would write its stale copy over the
first's change. The memory adapter holds its whole store per unit, so there the second waits already at its
start; PostgreSQL's row locks are what these tests prove. A subclass provides the `uow_factory` fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from arco_domain.model.access import DataScope
from arco_domain.model.domains import SslStatus
from arco_domain.model.projects import ProjectStatus
from arco_domain.model.tickets import Actor, TicketStatus, record_message
from arco_domain.model.tiers import Resource, Tier
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.contracts.repositories import new_domain, new_message, new_ticket
from tests.contracts.unit_of_work import NOW, new_client, new_project, seed

WAIT_TO_SEE_A_WRITER_BLOCKED = 0.3
"""Seconds the second writer is given to (wrongly) get through while the first holds the row."""

Pause = Callable[[], Awaitable[None]]
Writer = Callable[[UnitOfWork, Pause], Awaitable[None]]
"""Reads a row with `get_for_update`, awaits the pause, then changes its field and stores the row."""


async def _no_pause() -> None:
    return None


async def race(uow_factory: UnitOfWorkFactory, scope: DataScope, first: Writer, second: Writer) -> None:
    """Run `first` until it has read its row, start `second`, check that `second` cannot finish while `first`
    holds the row, then let `first` write and commit and wait for both."""
    first_has_read, first_may_write = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        first_has_read.set()
        await first_may_write.wait()

    async def run(writer: Writer, pause: Pause) -> None:
        async with uow_factory(scope) as uow:
            await writer(uow, pause)
            await uow.commit()

    first_run = asyncio.create_task(run(first, hold))
    await first_has_read.wait()
    second_run = asyncio.create_task(run(second, _no_pause))
    await asyncio.sleep(WAIT_TO_SEE_A_WRITER_BLOCKED)
    blocked = not second_run.done()
    first_may_write.set()
    await asyncio.gather(first_run, second_run)
    assert blocked, "the second writer read and committed while the first one held the row"


class ConcurrentWritesContract:
    async def test_two_writers_on_one_ticket_keep_both_changes(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        ticket = new_ticket(client.id)
        scope = DataScope.of_client(client.id)
        async with uow_factory(scope) as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        reply = new_message(ticket, "Looking into it", at=timedelta(minutes=5))

        async def take_it_in_hand(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.tickets.get_for_update(client.id, ticket.id)
            await pause()
            held.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(minutes=4))
            await uow.tickets.update(held)

        async def answer(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.tickets.get_for_update(client.id, ticket.id)
            await pause()
            record_message(held, reply)
            await uow.tickets.add_message(reply)
            await uow.tickets.update(held)

        await race(uow_factory, scope, take_it_in_hand, answer)
        async with uow_factory(scope) as uow:
            stored = await uow.tickets.get(client.id, ticket.id)
        assert (stored.status, stored.first_response_at) == (TicketStatus.IN_PROGRESS, reply.created_at)
        assert [(change.frm, change.to) for change in stored.history] == [(TicketStatus.OPEN, TicketStatus.IN_PROGRESS)]

    async def test_two_writers_on_one_project_keep_both_changes(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        project = new_project(client.id, "Shop")
        scope = DataScope.of_client(client.id)
        async with uow_factory(scope) as uow:
            await uow.projects.add(project)
            await uow.commit()

        async def rename(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.projects.get_for_update(client.id, project.id)
            await pause()
            await uow.projects.update(replace(held, name="Shop 2.0"))

        async def advance(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.projects.get_for_update(client.id, project.id)
            await pause()
            held.move_to(ProjectStatus.DEVELOPMENT, NOW.date())
            await uow.projects.update(held)

        await race(uow_factory, scope, rename, advance)
        async with uow_factory(scope) as uow:
            stored = await uow.projects.get(client.id, project.id)
        assert (stored.name, stored.status) == ("Shop 2.0", ProjectStatus.DEVELOPMENT)

    async def test_two_writers_on_one_domain_keep_both_changes(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        domain = new_domain(client.id)
        scope = DataScope.of_client(client.id)
        async with uow_factory(scope) as uow:
            await uow.domains.add(domain)
            await uow.commit()
        moved = ("ada.ns.example.net", "bob.ns.example.net")

        async def expire_the_certificate(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.domains.get_for_update(client.id, domain.id)
            await pause()
            await uow.domains.update(replace(held, ssl_status=SslStatus.EXPIRED))

        async def move_the_nameservers(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.domains.get_for_update(client.id, domain.id)
            await pause()
            await uow.domains.update(replace(held, nameservers=moved))

        await race(uow_factory, scope, expire_the_certificate, move_the_nameservers)
        async with uow_factory(scope) as uow:
            stored = await uow.domains.get(client.id, domain.id)
        assert (stored.ssl_status, stored.nameservers) == (SslStatus.EXPIRED, moved)

    @pytest.mark.parametrize("agency", [False, True], ids=["client-scope", "agency-scope"])
    async def test_two_writers_on_one_client_keep_both_changes(
        self, uow_factory: UnitOfWorkFactory, agency: bool
    ) -> None:
        client = await seed(uow_factory, new_client(Tier.BASIC))
        # Billing events and the payment-grace job change clients in the agency's scope, staff in the client's.
        scope = DataScope.all_clients() if agency else DataScope.of_client(client.id)

        async def upgrade(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.clients.get_for_update(client.id)
            await pause()
            await uow.clients.update(replace(held, tier=Tier.PRO))

        async def raise_the_project_limit(uow: UnitOfWork, pause: Pause) -> None:
            held = await uow.clients.get_for_update(client.id)
            await pause()
            await uow.clients.update(replace(held, custom_limits={Resource.PROJECTS: 50}))

        await race(uow_factory, scope, upgrade, raise_the_project_limit)
        async with uow_factory(scope) as uow:
            stored = await uow.clients.get(client.id)
        assert (stored.tier, stored.custom_limits) == (Tier.PRO, {Resource.PROJECTS: 50})

    async def test_a_breach_is_recorded_once_on_its_own_column(self, uow_factory: UnitOfWorkFactory) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        ticket = new_ticket(client.id)
        ticket.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(minutes=1))
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        breached_at, warned_at = NOW + timedelta(hours=5), NOW + timedelta(hours=3, minutes=12)
        async with uow_factory(DataScope.all_clients()) as uow:
            assert await uow.tickets.record_sla_warning(client.id, ticket.id, warned_at) is True
            assert await uow.tickets.record_sla_breach(client.id, ticket.id, breached_at) is True
            assert await uow.tickets.record_sla_warning(client.id, ticket.id, breached_at) is False
            assert await uow.tickets.record_sla_breach(client.id, ticket.id, breached_at + timedelta(hours=1)) is False
            await uow.commit()
        async with uow_factory(DataScope.of_client(client.id)) as uow:
            stored = await uow.tickets.get(client.id, ticket.id)
        assert stored == replace(ticket, sla_warned_at=warned_at, sla_breached_at=breached_at)

    async def test_no_flag_is_recorded_on_a_ticket_answered_after_the_scan_read_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        client = await seed(uow_factory, new_client(Tier.PRO))
        ticket = new_ticket(client.id)
        scope = DataScope.of_client(client.id)
        async with uow_factory(scope) as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            [read_by_the_scan] = [t for t in await uow.tickets.unbreached_awaiting_response() if t.id == ticket.id]
        reply = new_message(ticket, "On it", at=timedelta(hours=5))
        async with uow_factory(scope) as uow:
            answered = await uow.tickets.get_for_update(client.id, ticket.id)
            record_message(answered, reply)
            await uow.tickets.add_message(reply)
            await uow.tickets.update(answered)
            await uow.commit()
        async with uow_factory(DataScope.all_clients()) as uow:
            at = NOW + timedelta(hours=5, minutes=1)
            assert await uow.tickets.record_sla_breach(client.id, read_by_the_scan.id, at) is False
            assert await uow.tickets.record_sla_warning(client.id, read_by_the_scan.id, at) is False
            await uow.commit()
        async with uow_factory(scope) as uow:
            assert await uow.tickets.get(client.id, ticket.id) == answered

    async def test_no_flag_is_recorded_on_a_closed_ticket_or_another_clients(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine, theirs = await seed(uow_factory, new_client(Tier.PRO)), await seed(uow_factory, new_client(Tier.PRO))
        closed, their_ticket = new_ticket(mine.id), new_ticket(theirs.id)
        closed.move(TicketStatus.IN_PROGRESS, actor=Actor.STAFF, at=NOW + timedelta(minutes=1))
        closed.move(TicketStatus.RESOLVED, actor=Actor.STAFF, at=NOW + timedelta(minutes=2))
        closed.move(TicketStatus.CLOSED, actor=Actor.STAFF, at=NOW + timedelta(minutes=3))
        for ticket in (closed, their_ticket):
            async with uow_factory(DataScope.of_client(ticket.client_id)) as uow:
                await uow.tickets.add(ticket)
                await uow.commit()
        later = NOW + timedelta(days=1)
        async with uow_factory(DataScope.of_client(mine.id)) as uow:
            for record in (uow.tickets.record_sla_warning, uow.tickets.record_sla_breach):
                assert await record(mine.id, closed.id, later) is False
                assert await record(theirs.id, their_ticket.id, later) is False
                assert await record(mine.id, their_ticket.id, later) is False
            await uow.commit()
        for ticket in (closed, their_ticket):
            async with uow_factory(DataScope.of_client(ticket.client_id)) as uow:
                assert await uow.tickets.get(ticket.client_id, ticket.id) == ticket
