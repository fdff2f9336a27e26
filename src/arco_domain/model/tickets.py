"""Support tickets: the status machine, messages, first response and the resolution clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from arco_domain.errors import InvalidTransition, PermissionDenied, ValidationError
from arco_domain.ids import ClientId, MessageId, ProjectId, TicketId, UserId
from arco_domain.model.sla import SlaPolicy, working_time_between

REOPEN_WINDOW = timedelta(days=7)
AUTO_CLOSE_AFTER = timedelta(days=7)
MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_ATTACHMENTS = 10


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_CLIENT = "waiting_client"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Actor(StrEnum):
    """Who asks for a move: agency staff, the client's people, or ARCO's own scheduled jobs."""

    STAFF = "staff"
    CLIENT = "client"
    SYSTEM = "system"


class SlaStage(StrEnum):
    NONE = "none"
    ON_TRACK = "on_track"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"


_S = TicketStatus
MOVES: Mapping[Actor, Mapping[TicketStatus, frozenset[TicketStatus]]] = MappingProxyType(
    {
        Actor.STAFF: MappingProxyType(
            {
                _S.OPEN: frozenset({_S.IN_PROGRESS}),
                _S.IN_PROGRESS: frozenset({_S.WAITING_CLIENT, _S.RESOLVED}),
                _S.WAITING_CLIENT: frozenset({_S.IN_PROGRESS}),
                _S.RESOLVED: frozenset({_S.CLOSED}),
            }
        ),
        # A client's reply takes a waiting ticket back to work; a client may reopen a resolved one.
        Actor.CLIENT: MappingProxyType(
            {_S.WAITING_CLIENT: frozenset({_S.IN_PROGRESS}), _S.RESOLVED: frozenset({_S.OPEN})}
        ),
        Actor.SYSTEM: MappingProxyType({_S.RESOLVED: frozenset({_S.CLOSED})}),
    }
)
"""Every legal move, by who makes it. Anything absent is refused."""

_CLOCK_STOPPED = frozenset({_S.WAITING_CLIENT, _S.RESOLVED, _S.CLOSED})


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    frm: TicketStatus
    to: TicketStatus
    actor: Actor


@dataclass(slots=True)
class Ticket:
    """A support request. Its SLA policy and first-response due time are fixed when it is opened."""

    id: TicketId
    client_id: ClientId
    created_by: UserId
    subject: str
    description: str
    priority: TicketPriority
    created_at: datetime
    sla: SlaPolicy
    project_id: ProjectId | None = None
    status: TicketStatus = TicketStatus.OPEN
    response_due_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    assigned_to: UserId | None = None
    sla_warned_at: datetime | None = None
    sla_breached_at: datetime | None = None
    history: list[StatusChange] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        *,
        id: TicketId,
        client_id: ClientId,
        created_by: UserId,
        subject: str,
        description: str,
        priority: TicketPriority,
        created_at: datetime,
        sla: SlaPolicy,
        project_id: ProjectId | None = None,
    ) -> Ticket:
        subject = subject.strip()
        if not subject or len(subject) > MAX_SUBJECT:
            raise ValidationError(f"subject must be 1..{MAX_SUBJECT} characters", field="subject")
        if not description.strip() or len(description) > MAX_BODY:
            raise ValidationError(f"description must be 1..{MAX_BODY} characters", field="description")
        return cls(
            id=id, client_id=client_id, created_by=created_by, subject=subject,
            description=description, priority=priority, created_at=created_at, sla=sla,
            project_id=project_id, response_due_at=sla.response_due_at(created_at),
        )  # fmt: skip

    def move(self, to: TicketStatus, *, actor: Actor, at: datetime) -> StatusChange:
        """Apply one move of the status machine, or raise `InvalidTransition` and change nothing."""
        if to not in MOVES[actor].get(self.status, frozenset()):
            raise InvalidTransition(self.status, to, f"not a move {actor} can make")
        if self.status is _S.RESOLVED and self.resolved_at is not None:
            since_resolved = at - self.resolved_at
            if to is _S.OPEN and since_resolved > REOPEN_WINDOW:
                raise InvalidTransition(self.status, to, "the reopen window of 7 days has passed")
            if actor is Actor.SYSTEM and since_resolved < AUTO_CLOSE_AFTER:
                raise InvalidTransition(self.status, to, "resolved tickets close after 7 days")
        change = StatusChange(at=at, frm=self.status, to=to, actor=actor)
        self.history.append(change)
        self.status = to
        if to is _S.RESOLVED:
            self.resolved_at = at
        elif to is _S.CLOSED:
            self.closed_at = at
        else:
            self.resolved_at = None
        return change

    def due_for_auto_close(self, now: datetime) -> bool:
        return (
            self.status is _S.RESOLVED and self.resolved_at is not None and now - self.resolved_at >= AUTO_CLOSE_AFTER
        )

    def first_response_stage(self, now: datetime) -> SlaStage:
        """Where the first-response SLA stands at `now`."""
        return first_response_stage(self.sla, self.created_at, self.response_due_at, self.first_response_at, now)

    def overview(self) -> TicketOverview:
        return TicketOverview(
            id=self.id, subject=self.subject, description=self.description, priority=self.priority,
            status=self.status, project_id=self.project_id, created_at=self.created_at, sla=self.sla,
            response_due_at=self.response_due_at, first_response_at=self.first_response_at,
            resolved_at=self.resolved_at, closed_at=self.closed_at,
        )  # fmt: skip

    def resolution_time(self, now: datetime) -> timedelta:
        """Working time spent on the ticket, rebuilt from its history.

        The clock runs while the ticket is open or in progress, pauses while it waits on the client,
        and stops at resolution (a reopen starts it again).
        """
        return resolution_time(self.created_at, self.history, now, self.sla)

    def resolution_stage(self, now: datetime) -> SlaStage:
        if self.sla.resolution is None:
            return SlaStage.NONE
        spent = self.resolution_time(now)
        if spent > self.sla.resolution:
            return SlaStage.BREACHED
        if self.status in (_S.RESOLVED, _S.CLOSED):
            return SlaStage.MET
        if spent >= self.sla.resolution * 0.8:
            return SlaStage.WARNING
        return SlaStage.ON_TRACK


def resolution_time(created_at: datetime, history: Sequence[StatusChange], now: datetime, sla: SlaPolicy) -> timedelta:
    total = timedelta()
    status, since = _S.OPEN, created_at
    for change in [*history, StatusChange(at=now, frm=_S.OPEN, to=_S.OPEN, actor=Actor.SYSTEM)]:
        if status not in _CLOCK_STOPPED:
            total += working_time_between(sla.calendar, since, min(change.at, now))
        status, since = change.to, change.at
    return total


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOverview:
    """A ticket as a list shows it: its state and dates, without the status history and messages that no
    listed figure needs (reading them is most of a list's cost)."""

    id: TicketId
    subject: str
    description: str
    priority: TicketPriority
    status: TicketStatus
    project_id: ProjectId | None
    created_at: datetime
    sla: SlaPolicy
    response_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None

    def first_response_stage(self, now: datetime) -> SlaStage:
        return first_response_stage(self.sla, self.created_at, self.response_due_at, self.first_response_at, now)


def first_response_stage(
    sla: SlaPolicy, created_at: datetime, due_at: datetime | None, answered_at: datetime | None, now: datetime
) -> SlaStage:
    """Where the first-response SLA of a ticket opened at `created_at` stands at `now`."""
    if due_at is None:
        return SlaStage.NONE
    if answered_at is not None:
        return SlaStage.MET if answered_at <= due_at else SlaStage.BREACHED
    if now > due_at:
        return SlaStage.BREACHED
    warning_at = sla.response_warning_at(created_at)
    if warning_at is not None and now >= warning_at:
        return SlaStage.WARNING
    return SlaStage.ON_TRACK


@dataclass(frozen=True, slots=True)
class TicketMessage:
    """A message on a ticket. Internal notes are staff-only and never shown to the client."""

    id: MessageId
    ticket_id: TicketId
    client_id: ClientId
    author_id: UserId
    author_is_staff: bool
    body: str
    created_at: datetime
    attachments: tuple[str, ...] = ()
    internal: bool = False

    def __post_init__(self) -> None:
        if not self.body.strip() or len(self.body) > MAX_BODY:
            raise ValidationError(f"message must be 1..{MAX_BODY} characters", field="message")
        if len(self.attachments) > MAX_ATTACHMENTS:
            raise ValidationError(f"at most {MAX_ATTACHMENTS} attachments", field="attachments")
        if self.internal and not self.author_is_staff:
            raise PermissionDenied("only staff may write internal notes")


def record_message(ticket: Ticket, message: TicketMessage) -> StatusChange | None:
    """Apply what a new message means to its ticket.

    The first public staff message is the first response; a client's reply to a ticket waiting on
    the client puts it back in progress. Closed tickets take no messages.
    """
    if ticket.status is _S.CLOSED:
        raise InvalidTransition(ticket.status, ticket.status, "a closed ticket takes no messages")
    if message.author_is_staff:
        if not message.internal and ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
        return None
    if ticket.status is _S.WAITING_CLIENT:
        return ticket.move(_S.IN_PROGRESS, actor=Actor.CLIENT, at=message.created_at)
    return None


def average_first_response(tickets: Iterable[Ticket]) -> timedelta | None:
    """Mean wall-clock time from opening to first response over the tickets that have one."""
    waits = [t.first_response_at - t.created_at for t in tickets if t.first_response_at is not None]
    if not waits:
        return None
    return sum(waits, timedelta()) / len(waits)
