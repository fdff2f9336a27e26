"""DNS-record use-cases: the records ARCO keeps for a client's domains, checked per type and as a set.

Records are stored locally; pushing them to the DNS provider is a later step. Every change is audited
with the record as it was (`before`) and as it is now (`after`).
"""

from __future__ import annotations

from datetime import datetime

from arco_domain.errors import NotFound
from arco_domain.ids import AuditEventId, ClientId, DnsRecordId, DomainId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.dns import (
    APEX,
    AUTOMATIC_TTL,
    DnsRecord,
    DnsRecordSpec,
    DnsRecordType,
    check_record_set,
    validate_dns_record,
)
from arco_domain.model.domains import Domain
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.use_cases.base import UseCase, write_audit
from arco_ports.unit_of_work import UnitOfWork


def _facts(spec: DnsRecordSpec | None) -> dict[str, object] | None:
    if spec is None:
        return None
    return {
        "type": spec.type.value, "name": spec.name, "content": spec.content, "ttl": spec.ttl,
        "priority": spec.priority, "proxied": spec.proxied,
    }  # fmt: skip


def _fully_qualified(relative: str, zone: str) -> str:
    # A stored name such as "example.com" in the zone example.com would read as the apex if validated
    # again as given; qualified with a trailing dot it can only mean itself.
    return relative if relative == APEX else f"{relative}.{zone}."


def _stored(spec: DnsRecordSpec, record_id: DnsRecordId, domain: Domain, created_at: datetime) -> DnsRecord:
    return DnsRecord(
        id=record_id, client_id=domain.client_id, domain_id=domain.id, type=spec.type, name=spec.name,
        content=spec.content, ttl=spec.ttl, priority=spec.priority, proxied=spec.proxied, created_at=created_at,
    )  # fmt: skip


async def _check_against_the_others(
    uow: UnitOfWork, domain: Domain, spec: DnsRecordSpec, replacing: DnsRecordId | None = None
) -> None:
    records = await uow.dns_records.list_for_domain(domain.client_id, domain.id)
    check_record_set([r.spec() for r in records if r.id != replacing], spec)


async def _record_under(
    uow: UnitOfWork, client_id: ClientId, domain_id: DomainId, record_id: DnsRecordId
) -> tuple[Domain, DnsRecord]:
    """The domain and its record; a record of another domain is reported as absent."""
    domain = await uow.domains.get(client_id, domain_id)
    record = await uow.dns_records.get(client_id, record_id)
    if record.domain_id != domain.id:
        raise NotFound("dns_record", record_id)
    return domain, record


class _RecordChange(UseCase):
    """A use-case that changes one record and audits the change."""

    async def _audit(
        self,
        uow: UnitOfWork,
        principal: Principal,
        action: str,
        domain: Domain,
        record_id: DnsRecordId,
        before: DnsRecordSpec | None,
        after: DnsRecordSpec | None,
    ) -> None:
        await write_audit(
            uow, event_id=AuditEventId(self._ids.new_id()), at=self._clock.now(), principal=principal,
            action=action, client_id=domain.client_id,
            details={"domain_id": str(domain.id), "domain": domain.name, "record_id": str(record_id),
                     "before": _facts(before), "after": _facts(after)},
        )  # fmt: skip


class ListDnsRecords(UseCase):
    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, page: PageRequest
    ) -> Page[DnsRecord]:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            await uow.domains.get(client_id, domain_id)
            records = await uow.dns_records.list_for_domain(client_id, domain_id)
        return paginate(records, page, lambda r: r.id)


class AddDnsRecord(_RecordChange):
    """Add a record to a client's domain: valid for its type, and not clashing with the domain's records."""

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        domain_id: DomainId,
        *,
        type: DnsRecordType | str,
        name: str,
        content: str,
        ttl: int = AUTOMATIC_TTL,
        priority: int | None = None,
        proxied: bool = False,
    ) -> DnsRecord:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            domain = await uow.domains.get(client_id, domain_id)
            spec = validate_dns_record(domain.name, type, name, content, ttl, priority, proxied)
            await _check_against_the_others(uow, domain, spec)
            record = _stored(spec, DnsRecordId(self._ids.new_id()), domain, self._clock.now())
            await uow.dns_records.add(record)
            await self._audit(uow, principal, "dns_record.add", domain, record.id, None, spec)
            await uow.commit()
        return record


class UpdateDnsRecord(_RecordChange):
    """Change a record's name, content, ttl, priority or proxying; `None` leaves a field as it is.

    A record's type is fixed: changing it would change which other fields are allowed, so it is a
    delete and an add. The edited record is checked as a new one against the domain's other records.
    """

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        domain_id: DomainId,
        record_id: DnsRecordId,
        *,
        name: str | None = None,
        content: str | None = None,
        ttl: int | None = None,
        priority: int | None = None,
        proxied: bool | None = None,
    ) -> DnsRecord:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            domain, current = await _record_under(uow, client_id, domain_id, record_id)
            spec = validate_dns_record(
                domain.name, current.type, _fully_qualified(current.name, domain.name) if name is None else name,
                current.content if content is None else content, current.ttl if ttl is None else ttl,
                current.priority if priority is None else priority, current.proxied if proxied is None else proxied,
            )  # fmt: skip
            await _check_against_the_others(uow, domain, spec, replacing=current.id)
            edited = _stored(spec, current.id, domain, current.created_at)
            await uow.dns_records.update(edited)
            await self._audit(uow, principal, "dns_record.update", domain, current.id, current.spec(), spec)
            await uow.commit()
        return edited


class DeleteDnsRecord(_RecordChange):
    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, record_id: DnsRecordId
    ) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            domain, record = await _record_under(uow, client_id, domain_id, record_id)
            await uow.dns_records.remove(client_id, record_id)
            await self._audit(uow, principal, "dns_record.delete", domain, record_id, record.spec(), None)
            await uow.commit()
