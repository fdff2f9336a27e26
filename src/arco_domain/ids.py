"""Typed identifiers. Every id is a UUID (time-ordered UUIDv7 when minted by ARCO)."""

from __future__ import annotations

from typing import NewType
from uuid import UUID

ClientId = NewType("ClientId", UUID)
UserId = NewType("UserId", UUID)
MemberId = NewType("MemberId", UUID)
ProjectId = NewType("ProjectId", UUID)
MilestoneId = NewType("MilestoneId", UUID)
DomainId = NewType("DomainId", UUID)
DnsRecordId = NewType("DnsRecordId", UUID)
DnsDriftId = NewType("DnsDriftId", UUID)
TicketId = NewType("TicketId", UUID)
MessageId = NewType("MessageId", UUID)
StorageItemId = NewType("StorageItemId", UUID)
ReservationId = NewType("ReservationId", UUID)
CampaignId = NewType("CampaignId", UUID)
AdAccountId = NewType("AdAccountId", UUID)
AuditEventId = NewType("AuditEventId", UUID)
IncidentId = NewType("IncidentId", UUID)
