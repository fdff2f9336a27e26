"""The ticket status machine and what messages do to a ticket, tested on `Ticket` itself."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import InvalidTransition, PermissionDenied
from arco_domain.ids import ClientId, MessageId, TicketId, UserId
from arco_domain.model.sla import SlaPolicy
from arco_domain.model.tickets import (
    AUTO_CLOSE_AFTER,
    MOVES,
    REOPEN_WINDOW,
    Actor,
    Ticket,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    record_message,
)

S = TicketStatus
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SEVEN_DAYS = timedelta(days=7)
TICK = timedelta(microseconds=1)

# The specification's machine: staff drive it, a client replies or reopens, the system auto-closes.
SPEC_MOVES = {
    Actor.STAFF: {
        (S.OPEN, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.WAITING_CLIENT),
        (S.WAITING_CLIENT, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
    },
    Actor.CLIENT: {(S.WAITING_CLIENT, S.IN_PROGRESS), (S.RESOLVED, S.OPEN)},
    Actor.SYSTEM: {(S.RESOLVED, S.CLOSED)},
}

# How staff bring a fresh ticket to each status.
PATH_TO = {
    S.OPEN: (),
    S.IN_PROGRESS: (S.IN_PROGRESS,),
    S.WAITING_CLIENT: (S.IN_PROGRESS, S.WAITING_CLIENT),
    S.RESOLVED: (S.IN_PROGRESS, S.RESOLVED),
    S.CLOSED: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED),
}


def new_ticket(created_at: datetime = CREATED) -> Ticket:
    return Ticket.open(
        id=TicketId(uuid4()),
        client_id=ClientId(uuid4()),
        created_by=UserId(uuid4()),
        subject="The contact form is down",
        description="Nothing arrives since this morning.",
        priority=TicketPriority.HIGH,
        created_at=created_at,
        sla=SlaPolicy(first_response=timedelta(hours=4), resolution=timedelta(hours=48)),
    )


def ticket_in(status: TicketStatus, at: datetime = CREATED) -> Ticket:
    """A ticket staff moved to `status`, every move made at `at`."""
    ticket = new_ticket()
    for target in PATH_TO[status]:
        ticket.move(target, actor=Actor.STAFF, at=at)
    assert ticket.status is status
    return ticket


def message(
    ticket: Ticket, *, staff: bool, at: datetime, internal: bool = False, body: str = "On it."
) -> TicketMessage:
    return TicketMessage(
        id=MessageId(uuid4()),
        ticket_id=ticket.id,
        client_id=ticket.client_id,
        author_id=UserId(uuid4()),
        author_is_staff=staff,
        body=body,
        created_at=at,
        internal=internal,
    )


def expected_to_accept(ticket: Ticket, actor: Actor, target: TicketStatus, at: datetime) -> bool:
    """An oracle written from the specification, independent of `Ticket.move`."""
    if (ticket.status, target) not in SPEC_MOVES[actor]:
        return False
    if ticket.status is S.RESOLVED:
        assert ticket.resolved_at is not None
        since = at - ticket.resolved_at
        if target is S.OPEN and since > SEVEN_DAYS:
            return False
        if actor is Actor.SYSTEM and since < SEVEN_DAYS:
            return False
    return True


advances = st.one_of(
    st.sampled_from(
        [
            timedelta(0),
            TICK,
            timedelta(hours=1),
            timedelta(days=3),
            SEVEN_DAYS - TICK,
            SEVEN_DAYS,
            SEVEN_DAYS + TICK,
            timedelta(days=8),
        ]
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)


class TestStatusMachineProperties:
    def test_the_machine_table_is_exactly_the_specified_one(self) -> None:
        table = {actor: {(frm, to) for frm, targets in MOVES[actor].items() for to in targets} for actor in Actor}
        assert table == SPEC_MOVES

    @given(st.data())
    def test_any_sequence_of_moves_keeps_every_invariant_of_the_machine(self, data: st.DataObject) -> None:
        ticket = new_ticket()
        now = CREATED
        accepted = 0
        last_resolved_at: datetime | None = None
        for _ in range(data.draw(st.integers(min_value=0, max_value=25), label="steps")):
            actor = data.draw(st.sampled_from(Actor), label="actor")
            legal = sorted(MOVES[actor].get(ticket.status, frozenset()))
            pick_listed: bool = data.draw(st.booleans(), label="pick a listed move")
            if legal and pick_listed:
                target = data.draw(st.sampled_from(legal), label="target")
            else:
                target = data.draw(st.sampled_from(TicketStatus), label="target")
            now += data.draw(advances, label="advance")

            before = copy.deepcopy(ticket)
            should_accept = expected_to_accept(ticket, actor, target, now)
            try:
                change = ticket.move(target, actor=actor, at=now)
            except InvalidTransition as refused:
                assert not should_accept, f"{actor} {before.status} -> {target} was refused"
                assert ticket == before
                assert (refused.frm, refused.to) == (before.status, target)
            else:
                assert should_accept, f"{actor} {before.status} -> {target} was accepted"
                assert target in MOVES[actor][before.status]
                assert before.status is not S.CLOSED
                assert (change.frm, change.to, change.actor, change.at) == (before.status, target, actor, now)
                assert ticket.history == [*before.history, change]
                accepted += 1
                if target is S.RESOLVED:
                    last_resolved_at = now

            assert len(ticket.history) == accepted
            previous_status, previous_at = S.OPEN, CREATED
            for step in ticket.history:
                assert step.frm is previous_status
                assert step.at >= previous_at
                previous_status, previous_at = step.to, step.at
            assert previous_status is ticket.status

            if ticket.status is S.RESOLVED:
                assert ticket.resolved_at == last_resolved_at
            elif ticket.status is S.CLOSED:
                assert ticket.resolved_at == last_resolved_at
                assert ticket.closed_at == ticket.history[-1].at
            else:
                assert ticket.resolved_at is None
            assert (ticket.closed_at is not None) == (ticket.status is S.CLOSED)

    @given(actor=st.sampled_from(Actor), target=st.sampled_from(TicketStatus), later=advances)
    def test_a_closed_ticket_refuses_every_move_and_stays_as_it_was(
        self, actor: Actor, target: TicketStatus, later: timedelta
    ) -> None:
        ticket = ticket_in(S.CLOSED)
        before = copy.deepcopy(ticket)
        with pytest.raises(InvalidTransition):
            ticket.move(target, actor=actor, at=CREATED + later)
        assert ticket == before

    @given(after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
    def test_a_client_reopens_within_seven_days_and_never_after(self, after: timedelta) -> None:
        ticket = ticket_in(S.RESOLVED)
        before = copy.deepcopy(ticket)
        if after <= REOPEN_WINDOW:
            ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + after)
            assert ticket.status is S.OPEN
            assert ticket.resolved_at is None
        else:
            with pytest.raises(InvalidTransition):
                ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + after)
            assert ticket == before

    @given(after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
    def test_the_system_closes_a_resolved_ticket_only_once_seven_days_have_passed(self, after: timedelta) -> None:
        ticket = ticket_in(S.RESOLVED)
        before = copy.deepcopy(ticket)
        if after >= AUTO_CLOSE_AFTER:
            ticket.move(S.CLOSED, actor=Actor.SYSTEM, at=CREATED + after)
            assert ticket.status is S.CLOSED
            assert ticket.closed_at == CREATED + after
            assert ticket.resolved_at == CREATED
            assert ticket.due_for_auto_close(CREATED + after) is False
        else:
            assert ticket.due_for_auto_close(CREATED + after) is False
            with pytest.raises(InvalidTransition):
                ticket.move(S.CLOSED, actor=Actor.SYSTEM, at=CREATED + after)
            assert ticket == before


class TestMoves:
    @pytest.mark.parametrize(
        ("actor", "frm", "to"),
        sorted((actor, frm, to) for actor, pairs in SPEC_MOVES.items() for frm, to in pairs),
    )
    def test_each_legal_move_is_accepted_and_recorded(self, actor: Actor, frm: TicketStatus, to: TicketStatus) -> None:
        ticket = ticket_in(frm)
        at = CREATED + SEVEN_DAYS  # late enough for the system, still within the reopen window
        change = ticket.move(to, actor=actor, at=at)
        assert ticket.status is to
        assert ticket.history[-1] == change
        assert (change.frm, change.to, change.actor, change.at) == (frm, to, actor, at)

    @pytest.mark.parametrize(
        ("actor", "frm", "to"),
        [
            (Actor.STAFF, S.OPEN, S.RESOLVED),
            (Actor.STAFF, S.OPEN, S.WAITING_CLIENT),
            (Actor.STAFF, S.OPEN, S.CLOSED),
            (Actor.STAFF, S.OPEN, S.OPEN),
            (Actor.STAFF, S.IN_PROGRESS, S.OPEN),
            (Actor.STAFF, S.IN_PROGRESS, S.CLOSED),
            (Actor.STAFF, S.WAITING_CLIENT, S.RESOLVED),
            (Actor.STAFF, S.RESOLVED, S.IN_PROGRESS),
            (Actor.STAFF, S.RESOLVED, S.OPEN),
            (Actor.STAFF, S.CLOSED, S.OPEN),
            (Actor.CLIENT, S.OPEN, S.IN_PROGRESS),
            (Actor.CLIENT, S.IN_PROGRESS, S.RESOLVED),
            (Actor.CLIENT, S.IN_PROGRESS, S.WAITING_CLIENT),
            (Actor.CLIENT, S.RESOLVED, S.CLOSED),
            (Actor.CLIENT, S.CLOSED, S.OPEN),
            (Actor.SYSTEM, S.OPEN, S.CLOSED),
            (Actor.SYSTEM, S.IN_PROGRESS, S.RESOLVED),
            (Actor.SYSTEM, S.WAITING_CLIENT, S.CLOSED),
            (Actor.SYSTEM, S.RESOLVED, S.OPEN),
        ],
    )
    def test_an_illegal_move_is_refused_with_its_endpoints_and_changes_nothing(
        self, actor: Actor, frm: TicketStatus, to: TicketStatus
    ) -> None:
        ticket = ticket_in(frm)
        before = copy.deepcopy(ticket)
        with pytest.raises(InvalidTransition) as refused:
            ticket.move(to, actor=actor, at=CREATED + timedelta(days=8))
        assert refused.value.facts() == {"from": frm, "to": to}
        assert ticket == before

    def test_a_reopen_one_moment_after_seven_days_is_refused(self) -> None:
        ticket = ticket_in(S.RESOLVED)
        with pytest.raises(InvalidTransition):
            ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + SEVEN_DAYS + TICK)
        assert ticket.status is S.RESOLVED

    def test_a_reopen_at_exactly_seven_days_is_accepted(self) -> None:
        ticket = ticket_in(S.RESOLVED)
        ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + SEVEN_DAYS)
        assert ticket.status is S.OPEN

    def test_the_system_close_one_moment_before_seven_days_is_refused(self) -> None:
        ticket = ticket_in(S.RESOLVED)
        with pytest.raises(InvalidTransition):
            ticket.move(S.CLOSED, actor=Actor.SYSTEM, at=CREATED + SEVEN_DAYS - TICK)
        assert ticket.status is S.RESOLVED

    def test_the_reopen_window_counts_from_the_latest_resolution(self) -> None:
        ticket = ticket_in(S.RESOLVED)
        ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + timedelta(days=6))
        ticket.move(S.IN_PROGRESS, actor=Actor.STAFF, at=CREATED + timedelta(days=6))
        ticket.move(S.RESOLVED, actor=Actor.STAFF, at=CREATED + timedelta(days=10))
        ticket.move(S.OPEN, actor=Actor.CLIENT, at=CREATED + timedelta(days=16))
        assert ticket.status is S.OPEN

    def test_resolution_time_is_kept_when_a_resolved_ticket_closes(self) -> None:
        ticket = ticket_in(S.RESOLVED, at=CREATED + timedelta(hours=2))
        ticket.move(S.CLOSED, actor=Actor.STAFF, at=CREATED + timedelta(hours=3))
        assert ticket.resolved_at == CREATED + timedelta(hours=2)
        assert ticket.closed_at == CREATED + timedelta(hours=3)


class TestRecordMessage:
    def test_the_first_public_staff_message_is_the_first_response(self) -> None:
        ticket = new_ticket()
        change = record_message(ticket, message(ticket, staff=True, at=CREATED + timedelta(hours=1)))
        assert change is None
        assert ticket.first_response_at == CREATED + timedelta(hours=1)

    def test_a_later_staff_message_does_not_move_the_first_response(self) -> None:
        ticket = new_ticket()
        record_message(ticket, message(ticket, staff=True, at=CREATED + timedelta(hours=1)))
        record_message(ticket, message(ticket, staff=True, at=CREATED + timedelta(hours=2)))
        assert ticket.first_response_at == CREATED + timedelta(hours=1)

    def test_an_internal_note_is_not_a_first_response(self) -> None:
        ticket = new_ticket()
        record_message(ticket, message(ticket, staff=True, internal=True, at=CREATED + timedelta(hours=1)))
        assert ticket.first_response_at is None
        record_message(ticket, message(ticket, staff=True, at=CREATED + timedelta(hours=3)))
        assert ticket.first_response_at == CREATED + timedelta(hours=3)

    def test_a_client_message_is_not_a_first_response(self) -> None:
        ticket = new_ticket()
        record_message(ticket, message(ticket, staff=False, at=CREATED + timedelta(hours=1)))
        assert ticket.first_response_at is None
        assert ticket.status is S.OPEN

    def test_a_client_reply_puts_a_waiting_ticket_back_in_progress(self) -> None:
        ticket = ticket_in(S.WAITING_CLIENT)
        reply_at = CREATED + timedelta(hours=5)
        change = record_message(ticket, message(ticket, staff=False, at=reply_at))
        assert ticket.status is S.IN_PROGRESS
        assert change is not None
        assert (change.frm, change.to, change.actor, change.at) == (
            S.WAITING_CLIENT,
            S.IN_PROGRESS,
            Actor.CLIENT,
            reply_at,
        )
        assert ticket.history[-1] == change

    def test_a_staff_message_leaves_a_waiting_ticket_waiting(self) -> None:
        ticket = ticket_in(S.WAITING_CLIENT)
        assert record_message(ticket, message(ticket, staff=True, at=CREATED + timedelta(hours=1))) is None
        assert ticket.status is S.WAITING_CLIENT

    @pytest.mark.parametrize("status", [S.OPEN, S.IN_PROGRESS, S.RESOLVED])
    def test_a_client_message_outside_waiting_changes_no_status(self, status: TicketStatus) -> None:
        ticket = ticket_in(status)
        history = list(ticket.history)
        assert record_message(ticket, message(ticket, staff=False, at=CREATED + timedelta(hours=1))) is None
        assert ticket.status is status
        assert ticket.history == history

    @pytest.mark.parametrize("staff", [True, False])
    def test_a_closed_ticket_takes_no_messages(self, staff: bool) -> None:
        ticket = ticket_in(S.CLOSED)
        before = copy.deepcopy(ticket)
        with pytest.raises(InvalidTransition):
            record_message(ticket, message(ticket, staff=staff, at=CREATED + timedelta(hours=1)))
        assert ticket == before

    def test_a_client_cannot_write_an_internal_note(self) -> None:
        ticket = new_ticket()
        with pytest.raises(PermissionDenied):
            message(ticket, staff=False, internal=True, at=CREATED)
