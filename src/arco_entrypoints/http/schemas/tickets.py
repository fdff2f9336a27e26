"""Ticket bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from arco_domain.model.tickets import SlaStage, TicketOverview, TicketPriority, TicketStatus
from arco_domain.model.tickets import Ticket as TicketEntity
from arco_domain.model.tickets import TicketMessage as MessageEntity
from arco_domain.use_cases.tickets import TicketThread
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.common import Text

Subject = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Attachment = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]


class TicketCreate(Schema):
    subject: Subject
    description: Body
    priority: TicketPriority = TicketPriority.MEDIUM
    project_id: UUID | None = None


class MessageCreate(Schema):
    message: Body
    attachments: Annotated[list[Attachment], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    internal: bool = False


class TransitionCreate(Schema):
    to: TicketStatus


class Ticket(Schema):
    id: UUID
    subject: str
    description: Text
    priority: TicketPriority
    status: TicketStatus
    project_id: UUID | None
    created_at: datetime
    response_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_sla: SlaStage

    @classmethod
    def from_entity(cls, ticket: TicketEntity | TicketOverview, now: datetime) -> Ticket:
        return cls(
            id=ticket.id,
            subject=ticket.subject,
            description=ticket.description,
            priority=ticket.priority,
            status=ticket.status,
            project_id=ticket.project_id,
            created_at=ticket.created_at,
            response_due_at=ticket.response_due_at,
            first_response_at=ticket.first_response_at,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            first_response_sla=ticket.first_response_stage(now),
        )


class Message(Schema):
    id: UUID
    author_id: UUID
    from_staff: bool
    message: str
    attachments: list[str]
    internal: bool
    created_at: datetime

    @classmethod
    def from_entity(cls, message: MessageEntity) -> Message:
        return cls(
            id=message.id,
            author_id=message.author_id,
            from_staff=message.author_is_staff,
            message=message.body,
            attachments=list(message.attachments),
            internal=message.internal,
            created_at=message.created_at,
        )


class TicketWithMessages(Schema):
    ticket: Ticket
    messages: list[Message]

    @classmethod
    def from_thread(cls, thread: TicketThread, now: datetime) -> TicketWithMessages:
        return cls(
            ticket=Ticket.from_entity(thread.ticket, now), messages=[Message.from_entity(m) for m in thread.messages]
        )
