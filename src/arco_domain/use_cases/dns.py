"""DNS-record use-cases: a client's records, kept at the DNS provider and mirrored in ARCO.

A change is checked by ARCO's rules first, then made at the provider, then stored. The provider's
refusal leaves ARCO unchanged; a local write that fails after the provider said yes is undone at the
provider, so the two never disagree because of ARCO. What changes at the provider behind ARCO's back is
found by the reconciliation (`ReconcileDnsRecords`): adopted when ARCO's rules can hold it, reported when
not, never silently deleted. Every change is audited with the record as it was and as it is now.

A domain's row stands for its records: every local write of a record holds the domain first, so checks
against the domain's other records stay true until the write commits. No transaction stays open across a
call to the provider, so a change that read a record before the call checks, holding the domain, that the
record still stands as read (see `_hold_as_read`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from arco_domain.errors import ArcoError, Conflict, NotFound, ValidationError
from arco_domain.ids import AuditEventId, ClientId, DnsDriftId, DnsRecordId, DomainId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.dns import (
    APEX,
    AUTOMATIC_TTL,
    DnsDrift,
    DnsRecord,
    DnsRecordSpec,
    DnsRecordType,
    DriftKind,
    Reconciliation,
    check_record_set,
    provider_holds,
    reconcile,
    validate_dns_record,
)
from arco_domain.model.domains import Domain
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.use_cases.base import write_audit
from arco_ports.clock import Clock, IdGenerator
from arco_ports.dns import DnsProvider
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("arco.dns")


def _fully_qualified(relative: str, zone: str) -> str:
    # A stored name such as "example.com" in the zone example.com would read as the apex if validated
    # again as given; qualified with a trailing dot it can only mean itself.
    return relative if relative == APEX else f"{relative}.{zone}."


def _zone_of(domain: Domain) -> str:
    if domain.zone_id is None:
        raise Conflict(f"{domain.name} is not set up at the DNS provider yet; try again in a few minutes")
    return domain.zone_id


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


async def _hold_as_read(uow: UnitOfWork, domain: Domain, read: DnsRecord) -> None:
    """Hold the domain's records, and refuse (`Conflict`) if `read`'s record changed since it was read: another
    edit or a reconciliation came first, and writing over it from the stale copy would undo that change."""
    await uow.domains.get_for_update(domain.client_id, domain.id)
    if await uow.dns_records.get(domain.client_id, read.id) != read:
        raise Conflict(f"the {read.type} record {read.name} changed meanwhile; read it again and retry")


async def _undo(step: Callable[[], Awaitable[Any]], what: str) -> None:
    """Undo a provider change after the local write failed; the failure being handled is what propagates.
    An undo that fails too leaves the provider ahead of ARCO, which the next reconciliation adopts."""
    try:
        await step()
    except ArcoError:
        log.exception("could not undo %s at the DNS provider; the next reconciliation will adopt it", what)


@dataclass(frozen=True, slots=True, kw_only=True)
class _DnsUseCase:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    dns: DnsProvider

    async def _audit(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        action: str,
        domain: Domain,
        record_id: DnsRecordId,
        before: DnsRecordSpec | None,
        after: DnsRecordSpec | None,
    ) -> None:
        await write_audit(
            uow, event_id=AuditEventId(self.ids.new_id()), at=self.clock.now(), principal=principal,
            action=action, client_id=domain.client_id,
            details={"domain_id": str(domain.id), "domain": domain.name, "record_id": str(record_id),
                     "before": before.facts() if before else None, "after": after.facts() if after else None},
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ListDnsRecords:
    uow: UnitOfWorkFactory

    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, page: PageRequest
    ) -> Page[DnsRecord]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            await uow.domains.get(client_id, domain_id)
            records = await uow.dns_records.list_for_domain(client_id, domain_id)
        return paginate(records, page, lambda r: r.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddDnsRecord(_DnsUseCase):
    """Add a record to a client's domain: valid for its type, not clashing with the domain's records, and
    accepted by the DNS provider."""

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
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            domain = await uow.domains.get(client_id, domain_id)
            spec = validate_dns_record(domain.name, type, name, content, ttl, priority, proxied)
            await _check_against_the_others(uow, domain, spec)
        zone_id = _zone_of(domain)
        remote = await self.dns.create_record(zone_id, spec)
        record = DnsRecord(
            id=DnsRecordId(self.ids.new_id()), client_id=client_id, domain_id=domain.id, type=spec.type,
            name=spec.name, content=spec.content, ttl=spec.ttl, priority=spec.priority, proxied=spec.proxied,
            created_at=self.clock.now(), provider_record_id=remote.provider_id,
        )  # fmt: skip
        try:
            async with self.uow(scope) as uow:
                await uow.domains.get_for_update(client_id, domain.id)
                await _check_against_the_others(uow, domain, spec)  # a concurrent change may have come first
                await uow.dns_records.add(record)
                await self._audit(uow, principal, "dns_record.add", domain, record.id, None, spec)
                await uow.commit()
        except BaseException as failure:
            if isinstance(failure, Conflict) and (adopted := await self._adopted(scope, domain, remote.provider_id)):
                return adopted  # a reconciliation took the new record in first: it is ARCO's already
            await _undo(lambda: self.dns.delete_record(zone_id, remote.provider_id), f"adding {spec.name}")
            raise
        return record

    async def _adopted(self, scope: DataScope, domain: Domain, provider_record_id: str) -> DnsRecord | None:
        async with self.uow(scope) as uow:
            records = await uow.dns_records.list_for_domain(domain.client_id, domain.id)
        return next((r for r in records if r.provider_record_id == provider_record_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateDnsRecord(_DnsUseCase):
    """Change a record's name, content, ttl, priority or proxying; `None` leaves a field as it is.

    A record's type is fixed: changing it would change which other fields are allowed, so it is a
    delete and an add. The edited record is checked as a new one against the domain's other records.
    A record the provider does not hold (never pushed, or deleted there outside ARCO) is created there.
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
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            domain, current = await _record_under(uow, client_id, domain_id, record_id)
            spec = validate_dns_record(
                domain.name, current.type, _fully_qualified(current.name, domain.name) if name is None else name,
                current.content if content is None else content, current.ttl if ttl is None else ttl,
                current.priority if priority is None else priority, current.proxied if proxied is None else proxied,
            )  # fmt: skip
            await _check_against_the_others(uow, domain, spec, replacing=current.id)
        zone_id = _zone_of(domain)
        remote = None
        # A record deleted at the provider outside ARCO (NotFound) is put back by saving it.
        if current.provider_record_id is not None:
            with suppress(NotFound):
                remote = await self.dns.update_record(zone_id, current.provider_record_id, spec)
        undo: Callable[[], Awaitable[Any]]
        if remote is None:
            remote = await self.dns.create_record(zone_id, spec)
            undo = partial(self.dns.delete_record, zone_id, remote.provider_id)
        else:
            undo = partial(self._put_back, scope, zone_id, remote.provider_id, current)
        edited = current.with_spec(spec, remote.provider_id)
        try:
            async with self.uow(scope) as uow:
                await _hold_as_read(uow, domain, current)
                await _check_against_the_others(uow, domain, spec, replacing=current.id)
                await uow.dns_records.update(edited)
                await self._audit(uow, principal, "dns_record.update", domain, current.id, current.spec(), spec)
                await uow.commit()
        except BaseException:
            await _undo(undo, f"editing {current.name}")
            raise
        return edited

    async def _put_back(self, scope: DataScope, zone_id: str, provider_record_id: str, record: DnsRecord) -> None:
        """Have the provider hold `record` as ARCO stores it now: as read, or as a change that came first left it."""
        async with self.uow(scope) as uow:
            stored = await uow.dns_records.get(record.client_id, record.id)
        await self.dns.update_record(zone_id, provider_record_id, stored.spec())


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteDnsRecord(_DnsUseCase):
    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, record_id: DnsRecordId
    ) -> None:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            domain, record = await _record_under(uow, client_id, domain_id, record_id)
        if record.provider_record_id is not None:
            await self.dns.delete_record(_zone_of(domain), record.provider_record_id)
        try:
            async with self.uow(scope) as uow:
                await uow.dns_records.remove(client_id, record_id)
                await self._audit(uow, principal, "dns_record.delete", domain, record_id, record.spec(), None)
                await uow.commit()
        except NotFound:
            raise  # deleted meanwhile by another request: gone on both sides, nothing to undo
        except BaseException:
            if record.provider_record_id is not None:
                await _undo(lambda: self._restore(scope, domain, record), f"deleting {record.name}")
            raise

    async def _restore(self, scope: DataScope, domain: Domain, record: DnsRecord) -> None:
        remote = await self.dns.create_record(_zone_of(domain), record.spec())
        async with self.uow(scope) as uow:
            await _hold_as_read(uow, domain, record)
            await uow.dns_records.update(record.with_spec(record.spec(), remote.provider_id))
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileDnsRecords(_DnsUseCase):
    """Make ARCO's records of one domain agree with the provider's (see `reconcile`), and report the rest.

    ARCO's records the provider has never held (kept while the provider could not be asked, or from
    before the domain had a zone) are created there first. Adoptions are audited with no actor: the
    change was made outside ARCO. The drift report is replaced by this run's; running it again with
    nothing changed changes nothing. A record ARCO changed after this run first read it is left to the next
    run (`_settled`).
    """

    async def __call__(
        self, principal: Principal | None, client_id: ClientId, domain_id: DomainId
    ) -> tuple[DnsDrift, ...]:
        if principal is not None:
            principal.require(Capability.EDIT_CLIENT_AREAS)
            client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            domain = await uow.domains.get(client_id, domain_id)
            read = {r.id: r for r in await uow.dns_records.list_for_domain(client_id, domain_id)}
        unpushed = [r for r in read.values() if not r.provider_record_id]
        zone_id = _zone_of(domain)
        held = await self.dns.list_records(zone_id)
        refused: list[tuple[DnsRecord, str]] = []
        for record in unpushed:
            if not provider_holds(domain.name, held, record.spec()):
                try:
                    await self.dns.create_record(zone_id, record.spec())
                except (ValidationError, Conflict) as refusal:
                    refused.append((record, refusal.detail))
        if unpushed:
            held = await self.dns.list_records(zone_id)
        async with self.uow(scope) as uow:
            domain = await uow.domains.get_for_update(client_id, domain_id)
            plan = reconcile(domain.name, await uow.dns_records.list_for_domain(client_id, domain_id), held)
            plan = _settled(plan, read)
            await self._adopt(uow, domain, plan)
            drift = self._report(domain, plan, refused)
            await uow.dns_drift.replace_for_domain(client_id, domain_id, drift)
            await uow.commit()
        return drift

    async def _adopt(self, uow: UnitOfWork, domain: Domain, plan: Reconciliation) -> None:
        for record, provider_id in plan.link:
            await uow.dns_records.update(record.with_spec(record.spec(), provider_id))
        for record, spec, provider_id in plan.adopt_changed:
            await uow.dns_records.update(record.with_spec(spec, provider_id))
            await self._audit(uow, None, "dns_record.adopt_change", domain, record.id, record.spec(), spec)
        for remote, spec in plan.adopt_new:
            record = DnsRecord(
                id=DnsRecordId(self.ids.new_id()), client_id=domain.client_id, domain_id=domain.id, type=spec.type,
                name=spec.name, content=spec.content, ttl=spec.ttl, priority=spec.priority, proxied=spec.proxied,
                created_at=self.clock.now(), provider_record_id=remote.provider_id,
            )  # fmt: skip
            await uow.dns_records.add(record)
            await self._audit(uow, None, "dns_record.adopt", domain, record.id, None, spec)

    def _report(
        self, domain: Domain, plan: Reconciliation, refused: list[tuple[DnsRecord, str]]
    ) -> tuple[DnsDrift, ...]:
        now = self.clock.now()

        def drift(kind: DriftKind, detail: str, **found: Any) -> DnsDrift:
            return DnsDrift(
                id=DnsDriftId(self.ids.new_id()), client_id=domain.client_id, domain_id=domain.id, kind=kind,
                detail=detail, detected_at=now, **found,
            )  # fmt: skip

        missing = (
            drift(DriftKind.MISSING_AT_PROVIDER, f"{r.type} {r.name} was deleted at the DNS provider outside ARCO",
                  record_id=r.id, provider_record_id=r.provider_record_id, arco=r.spec().facts(), provider=None)
            for r in plan.missing
        )  # fmt: skip
        unmanageable = (
            drift(DriftKind.UNMANAGEABLE, reason, record_id=None, provider_record_id=remote.provider_id,
                  arco=None, provider=remote.facts())
            for remote, reason in plan.unmanageable
        )  # fmt: skip
        rejected = (
            drift(DriftKind.REFUSED_BY_PROVIDER, f"the DNS provider refused {r.type} {r.name}: {reason}",
                  record_id=r.id, provider_record_id=None, arco=r.spec().facts(), provider=None)
            for r, reason in refused
        )  # fmt: skip
        return (*missing, *unmanageable, *rejected)


def _settled(plan: Reconciliation, read: Mapping[DnsRecordId, DnsRecord]) -> Reconciliation:
    """`plan` without what it says of records that are not as `read` before the provider was asked: changed or
    added by ARCO since, they may be newer than the provider's listing, which only the next run can tell."""

    def unchanged(record: DnsRecord) -> bool:
        return read.get(record.id) == record

    return replace(
        plan,
        link=tuple(step for step in plan.link if unchanged(step[0])),
        adopt_changed=tuple(step for step in plan.adopt_changed if unchanged(step[0])),
        missing=tuple(record for record in plan.missing if unchanged(record)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDnsDrift:
    """The drift the last reconciliation of a domain reported."""

    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, domain_id: DomainId) -> tuple[DnsDrift, ...]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            await uow.domains.get(client_id, domain_id)
            return tuple(await uow.dns_drift.list_for_domain(client_id, domain_id))
