"""Ticket use-cases over the memory adapters: quotas, SLA snapshots, access, scans and the dashboard panel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from arco_adapters.memory.jobs import requested_jobs
from arco_domain.errors import InvalidTransition, NotFound, PermissionDenied, QuotaExceeded, ValidationError
from arco_domain.ids import ClientId, TicketId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client
from arco_domain.model.notifications import SEND_EMAIL_JOB, OutgoingEmail, email_from_job
from arco_domain.model.tickets import Ticket, TicketMessage, TicketStatus
from arco_domain.model.tiers import Resource, Tier
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.tickets import (
    AutoCloseResolvedTickets,
    CreateTicket,
    PostTicketMessage,
    ScanTicketSla,
    SummarizeTickets,
    TransitionTicket,
)
from tests.unit.conftest import START, World

S = TicketStatus
STAFF_INBOX = "support@agency.example"


async def open_ticket(world: World, owner: Principal, subject: str = "The site is down") -> Ticket:
    return await world.build(CreateTicket)(owner, subject=subject, description="Since this morning.")


async def on_tier(world: World, client: Client, tier: Tier) -> None:
    await world.build(ChangePlan)(world.staff(), client.id, tier=tier)


async def stored(world: World, client_id: ClientId, ticket_id: TicketId) -> Ticket:
    async with world.uow(DataScope.of_client(client_id)) as uow:
        return await uow.tickets.get(client_id, ticket_id)


async def stored_tickets(world: World, client_id: ClientId) -> list[Ticket]:
    async with world.uow(DataScope.of_client(client_id)) as uow:
        return list(await uow.tickets.list_for_client(client_id))


async def tickets_used(world: World, client_id: ClientId, period: str) -> int:
    async with world.uow(DataScope.of_client(client_id)) as uow:
        return await uow.quotas.used(client_id, Resource.SUPPORT_TICKETS, period)


async def visible_messages(world: World, ticket: Ticket, *, include_internal: bool) -> list[TicketMessage]:
    async with world.uow(DataScope.of_client(ticket.client_id)) as uow:
        return list(await uow.tickets.list_messages(ticket.client_id, ticket.id, include_internal=include_internal))


async def move(world: World, who: Principal, ticket: Ticket, *targets: TicketStatus) -> Ticket:
    for target in targets:
        ticket = await world.build(TransitionTicket)(who, ticket.client_id, ticket.id, to=target)
    return ticket


async def resolve(world: World, ticket: Ticket) -> Ticket:
    return await move(world, world.staff(), ticket, S.IN_PROGRESS, S.RESOLVED)


async def reply(world: World, who: Principal, ticket: Ticket, *, internal: bool = False) -> TicketMessage:
    return await world.build(PostTicketMessage)(who, ticket.client_id, ticket.id, body="Looking.", internal=internal)


def scanner(world: World) -> ScanTicketSla:
    return world.build(ScanTicketSla, staff_inbox=STAFF_INBOX)


def emails(world: World) -> dict[str, OutgoingEmail]:
    """The e-mails committed units of work asked the worker to send, by dedupe key."""
    return {
        key: email_from_job(payload, key)
        for key, (job, payload) in requested_jobs(world.uow.store).items()
        if job == SEND_EMAIL_JOB
    }


class TestCreateTicket:
    async def test_a_free_client_opens_15_tickets_and_the_16th_is_refused_with_its_facts(self, world: World) -> None:
        client, owner = await world.register()
        for n in range(15):
            await open_ticket(world, owner, subject=f"Request {n}")

        with pytest.raises(QuotaExceeded) as refused:
            await open_ticket(world, owner, subject="One too many")

        assert refused.value.facts() == {"resource": "support_tickets", "limit": 15, "used": 15, "requested": 1}
        tickets = await stored_tickets(world, client.id)
        assert len(tickets) == 15
        assert "One too many" not in {t.subject for t in tickets}
        assert await tickets_used(world, client.id, "2026-03") == 15

    async def test_a_new_calendar_month_starts_the_free_allowance_at_zero(self, world: World) -> None:
        client, owner = await world.register()
        for n in range(15):
            await open_ticket(world, owner, subject=f"Request {n}")

        world.clock.advance(timedelta(days=30))  # 2026-04-01
        april = await open_ticket(world, owner, subject="A new month")

        assert april.created_at.month == 4
        assert await tickets_used(world, client.id, "2026-04") == 1
        assert await tickets_used(world, client.id, "2026-03") == 15

    async def test_a_refused_ticket_consumes_no_quota(self, world: World) -> None:
        client, owner = await world.register()
        with pytest.raises(ValidationError):
            await open_ticket(world, owner, subject="   ")
        assert await tickets_used(world, client.id, "2026-03") == 0
        assert await stored_tickets(world, client.id) == []

    async def test_a_free_ticket_has_no_response_due_time(self, world: World) -> None:
        _, owner = await world.register()
        ticket = await open_ticket(world, owner)
        assert ticket.response_due_at is None

    async def test_the_due_time_is_fixed_at_creation_and_survives_a_tier_change(self, world: World) -> None:
        client, owner = await world.register()
        await on_tier(world, client, Tier.PRO)
        ticket = await open_ticket(world, owner)
        assert ticket.response_due_at == START + timedelta(hours=4)

        world.clock.advance(timedelta(minutes=30))
        await on_tier(world, client, Tier.BASIC)

        kept = await stored(world, client.id, ticket.id)
        assert kept.response_due_at == START + timedelta(hours=4)
        assert kept.sla.first_response == timedelta(hours=4)
        later = await open_ticket(world, owner, subject="Opened on basic")
        assert later.response_due_at == world.clock.now() + timedelta(hours=24)

    async def test_an_upgrade_raises_the_allowance_at_once(self, world: World) -> None:
        client, owner = await world.register()
        for n in range(15):
            await open_ticket(world, owner, subject=f"Request {n}")
        await on_tier(world, client, Tier.BASIC)
        await open_ticket(world, owner, subject="Sixteenth")
        assert await tickets_used(world, client.id, "2026-03") == 16

    async def test_staff_without_a_client_account_cannot_open_a_ticket(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            await open_ticket(world, world.staff())


class TestPostTicketMessage:
    async def test_the_first_public_staff_message_records_the_first_response(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await open_ticket(world, owner)
        world.clock.advance(timedelta(hours=2))

        await reply(world, world.staff(), ticket)

        assert (await stored(world, client.id, ticket.id)).first_response_at == START + timedelta(hours=2)

    async def test_a_staff_internal_note_is_hidden_from_the_client_and_is_no_response(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await open_ticket(world, owner)
        note = await reply(world, world.staff(), ticket, internal=True)
        answer = await reply(world, owner, ticket)

        assert [m.id for m in await visible_messages(world, ticket, include_internal=False)] == [answer.id]
        assert {m.id for m in await visible_messages(world, ticket, include_internal=True)} == {note.id, answer.id}
        assert (await stored(world, client.id, ticket.id)).first_response_at is None

    async def test_a_client_reply_takes_a_waiting_ticket_back_in_progress(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await move(world, world.staff(), await open_ticket(world, owner), S.IN_PROGRESS, S.WAITING_CLIENT)

        await reply(world, owner, ticket)

        kept = await stored(world, client.id, ticket.id)
        assert kept.status is S.IN_PROGRESS
        assert kept.history[-1].frm is S.WAITING_CLIENT

    async def test_a_client_cannot_write_an_internal_note(self, world: World) -> None:
        _, owner = await world.register()
        ticket = await open_ticket(world, owner)
        with pytest.raises(PermissionDenied):
            await reply(world, owner, ticket, internal=True)
        assert await visible_messages(world, ticket, include_internal=True) == []

    async def test_a_closed_ticket_takes_no_message(self, world: World) -> None:
        _, owner = await world.register()
        ticket = await move(world, world.staff(), await resolve(world, await open_ticket(world, owner)), S.CLOSED)
        with pytest.raises(InvalidTransition):
            await reply(world, owner, ticket)
        assert await visible_messages(world, ticket, include_internal=True) == []

    async def test_a_client_cannot_write_on_another_clients_ticket(self, world: World) -> None:
        _, owner = await world.register()
        other, intruder = await world.register(email="intruder@example.com", company="Other")
        ticket = await open_ticket(world, owner)

        with pytest.raises(NotFound):
            await world.build(PostTicketMessage)(intruder, ticket.client_id, ticket.id, body="Hi")
        with pytest.raises(NotFound):
            await world.build(PostTicketMessage)(intruder, other.id, ticket.id, body="Hi")
        assert await visible_messages(world, ticket, include_internal=True) == []


class TestTransitionTicket:
    async def test_a_client_cannot_put_a_ticket_in_progress(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await open_ticket(world, owner)
        with pytest.raises(PermissionDenied):
            await move(world, owner, ticket, S.IN_PROGRESS)
        assert (await stored(world, client.id, ticket.id)).status is S.OPEN

    async def test_a_client_reopens_a_resolved_ticket_within_seven_days_without_using_quota(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await resolve(world, await open_ticket(world, owner))
        world.clock.advance(timedelta(days=6))

        reopened = await move(world, owner, ticket, S.OPEN)

        assert reopened.status is S.OPEN
        assert (await stored(world, client.id, ticket.id)).status is S.OPEN
        assert await tickets_used(world, client.id, "2026-03") == 1

    async def test_a_client_cannot_reopen_after_seven_days(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await resolve(world, await open_ticket(world, owner))
        world.clock.advance(timedelta(days=7, seconds=1))

        with pytest.raises(InvalidTransition):
            await move(world, owner, ticket, S.OPEN)
        assert (await stored(world, client.id, ticket.id)).status is S.RESOLVED

    async def test_a_client_cannot_see_or_move_another_clients_ticket(self, world: World) -> None:
        client, owner = await world.register()
        other, intruder = await world.register(email="intruder@example.com", company="Other")
        ticket = await resolve(world, await open_ticket(world, owner))

        with pytest.raises(NotFound):
            await world.build(TransitionTicket)(intruder, client.id, ticket.id, to=S.OPEN)
        with pytest.raises(NotFound):
            await world.build(TransitionTicket)(intruder, other.id, ticket.id, to=S.OPEN)
        with pytest.raises(NotFound):
            await world.build(SummarizeTickets)(intruder, client.id)
        async with world.uow(DataScope.of_client(other.id)) as uow:
            with pytest.raises(NotFound):
                await uow.tickets.get(client.id, ticket.id)
        assert (await stored(world, client.id, ticket.id)).status is S.RESOLVED

    async def test_an_illegal_staff_move_is_refused_and_stores_nothing(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await open_ticket(world, owner)
        with pytest.raises(InvalidTransition):
            await move(world, world.staff(), ticket, S.RESOLVED)
        kept = await stored(world, client.id, ticket.id)
        assert kept.status is S.OPEN
        assert kept.history == []

    async def test_every_move_is_written_to_the_audit_log(self, world: World) -> None:
        client, owner = await world.register()
        staff = world.staff()
        ticket = await move(world, staff, await open_ticket(world, owner), S.IN_PROGRESS)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            events = [e for e in await uow.audit.list_recent(client.id, limit=10) if e.action == "ticket.transition"]
        assert len(events) == 1
        assert events[0].actor_id == staff.user_id
        assert events[0].details == {"ticket_id": str(ticket.id), "from": S.OPEN, "to": S.IN_PROGRESS}


class TestScanTicketSla:
    async def test_a_ticket_is_warned_once_and_breached_once(self, world: World) -> None:
        client, owner = await world.register()
        await on_tier(world, client, Tier.PRO)
        ticket = await open_ticket(world, owner)

        world.clock.advance(timedelta(hours=3, minutes=12))
        first = await scanner(world)()
        again = await scanner(world)()
        assert (first.warned, first.breached) == ((ticket.id,), ())
        assert (again.warned, again.breached) == ((), ())
        assert list(emails(world)) == [f"sla-warning-{ticket.id}"]

        world.clock.advance(timedelta(minutes=48, seconds=1))
        breach = await scanner(world)()
        after = await scanner(world)()
        assert (breach.warned, breach.breached) == ((), (ticket.id,))
        assert (after.warned, after.breached) == ((), ())
        assert sorted(emails(world)) == sorted([f"sla-warning-{ticket.id}", f"sla-breached-{ticket.id}"])
        assert emails(world)[f"sla-breached-{ticket.id}"].to == (STAFF_INBOX,)

        kept = await stored(world, client.id, ticket.id)
        assert kept.sla_warned_at == START + timedelta(hours=3, minutes=12)
        assert kept.sla_breached_at == START + timedelta(hours=4, seconds=1)

    async def test_a_ticket_within_its_window_is_not_flagged(self, world: World) -> None:
        client, owner = await world.register()
        await on_tier(world, client, Tier.PRO)
        await open_ticket(world, owner)
        world.clock.advance(timedelta(hours=3))
        report = await scanner(world)()
        assert (report.warned, report.breached) == ((), ())
        assert emails(world) == {}

    async def test_an_answered_ticket_is_never_flagged(self, world: World) -> None:
        client, owner = await world.register()
        await on_tier(world, client, Tier.ENTERPRISE)
        ticket = await open_ticket(world, owner)
        world.clock.advance(timedelta(minutes=10))
        await reply(world, world.staff(), ticket)
        world.clock.advance(timedelta(days=2))
        report = await scanner(world)()
        assert (report.warned, report.breached) == ((), ())
        assert emails(world) == {}

    async def test_a_free_ticket_has_no_sla_to_breach(self, world: World) -> None:
        _, owner = await world.register()
        await open_ticket(world, owner)
        world.clock.advance(timedelta(days=30))
        report = await scanner(world)()
        assert (report.warned, report.breached) == ((), ())
        assert emails(world) == {}

    async def test_a_scan_covers_every_client(self, world: World) -> None:
        first_client, first_owner = await world.register()
        second_client, second_owner = await world.register(email="b@example.com", company="B")
        await on_tier(world, first_client, Tier.ENTERPRISE)
        await on_tier(world, second_client, Tier.ENTERPRISE)
        one = await open_ticket(world, first_owner)
        two = await open_ticket(world, second_owner)
        world.clock.advance(timedelta(hours=2))
        report = await scanner(world)()
        assert set(report.breached) == {one.id, two.id}


class TestAutoCloseResolvedTickets:
    async def test_only_tickets_resolved_at_least_seven_days_ago_are_closed_and_a_rerun_closes_nothing(
        self, world: World
    ) -> None:
        client, owner = await world.register()
        early = await resolve(world, await open_ticket(world, owner, subject="Early"))
        world.clock.advance(timedelta(days=3))
        late = await resolve(world, await open_ticket(world, owner, subject="Late"))
        working = await move(world, world.staff(), await open_ticket(world, owner, subject="Open"), S.IN_PROGRESS)
        auto_close = world.build(AutoCloseResolvedTickets)

        world.clock.advance(timedelta(days=4) - timedelta(seconds=1))
        assert await auto_close() == ()
        world.clock.advance(timedelta(seconds=1))  # `early` was resolved exactly seven days ago
        assert await auto_close() == (early.id,)
        assert await auto_close() == ()

        closed = await stored(world, client.id, early.id)
        assert closed.status is S.CLOSED
        assert closed.closed_at == START + timedelta(days=7)
        assert closed.resolved_at == START
        assert (await stored(world, client.id, late.id)).status is S.RESOLVED

        world.clock.advance(timedelta(days=3))
        assert await auto_close() == (late.id,)
        assert await auto_close() == ()
        assert (await stored(world, client.id, working.id)).status is S.IN_PROGRESS

    async def test_a_reopened_ticket_is_not_closed(self, world: World) -> None:
        client, owner = await world.register()
        ticket = await resolve(world, await open_ticket(world, owner))
        world.clock.advance(timedelta(days=1))
        await move(world, owner, ticket, S.OPEN)
        world.clock.advance(timedelta(days=30))
        assert await world.build(AutoCloseResolvedTickets)() == ()
        assert (await stored(world, client.id, ticket.id)).status is S.OPEN


class TestSummarizeTickets:
    async def test_the_panel_shows_this_months_usage_against_the_limit(self, world: World) -> None:
        client, owner = await world.register()
        for n in range(3):
            await open_ticket(world, owner, subject=f"Request {n}")

        summary = await world.build(SummarizeTickets)(owner, client.id)

        assert (summary.quota.used, summary.quota.limit, summary.quota.period) == (3, 15, "2026-03")
        assert summary.quota.resource is Resource.SUPPORT_TICKETS
        assert summary.average_first_response is None

    async def test_the_panel_averages_first_responses_of_the_month_over_answered_tickets(self, world: World) -> None:
        client, owner = await world.register()
        staff = world.staff()
        quick = await open_ticket(world, owner, subject="Quick")
        slow = await open_ticket(world, owner, subject="Slow")
        await open_ticket(world, owner, subject="Unanswered")
        world.clock.advance(timedelta(hours=1))
        await reply(world, staff, quick)
        world.clock.advance(timedelta(hours=2))
        await reply(world, staff, slow)

        summary = await world.build(SummarizeTickets)(owner, client.id)

        assert summary.average_first_response == timedelta(hours=2)

    async def test_last_months_tickets_leave_the_average_and_the_usage(self, world: World) -> None:
        client, owner = await world.register()
        staff = world.staff()
        march = await open_ticket(world, owner, subject="March")
        world.clock.advance(timedelta(hours=10))
        await reply(world, staff, march)
        world.clock.advance(timedelta(days=30))
        april = await open_ticket(world, owner, subject="April")
        world.clock.advance(timedelta(minutes=30))
        await reply(world, staff, april)

        summary = await world.build(SummarizeTickets)(staff, client.id)

        assert summary.average_first_response == timedelta(minutes=30)
        assert (summary.quota.used, summary.quota.period) == (1, "2026-04")

    async def test_an_enterprise_client_has_no_ticket_limit(self, world: World) -> None:
        client, owner = await world.register()
        await on_tier(world, client, Tier.ENTERPRISE)
        await open_ticket(world, owner)
        summary = await world.build(SummarizeTickets)(owner, client.id)
        assert (summary.quota.used, summary.quota.limit) == (1, None)
