"""`SandboxDnsProvider`: the `DnsProvider` port with no Cloudflare account, for staging and embedded mode.

Zones and records live in a `SandboxDnsStore` (in memory or in PostgreSQL); the provider answers as Cloudflare's
API v4 does and refuses what it refuses, with the errors and codes of `arco_adapters.cloudflare.errors`:

- Zone and record ids are 32 lower-case hex characters, as Cloudflare's are.
- `create_zone` refuses a name that is not a domain name (`CloudflareValidationError`, field "name", code 1099)
  and a name the account already holds (`CloudflareConflict`, 1061). A new zone is `pending` and gets two
  nameservers named like Cloudflare's (`<first name>.ns.cloudflare.com`), picked from a fixed list by a hash
  of the zone name: the same name always gets the same pair.
- There is no registrar to wait for: a pending zone turns `active` on the first `zone()` read. `find_zone`
  and `certificate` report the status as that read left it and never change it.
- A zone id the account does not hold is `CloudflareNotFound("zone", ..., codes=(7003,))`, except for
  `delete_zone` and `delete_record`, which succeed on what is already gone. Deleting a zone deletes its records.
- Records go in relative to the zone ("@" for the apex), are checked again with ARCO's record rules and are
  stored fully qualified (the apex record's name is the zone's name). A refusal is `CloudflareValidationError`
  with the same `field` and the codes Cloudflare nests under 1004 "DNS Validation Error": 9000 for the name,
  9005, 9006 and 9007 for the content of an A, AAAA and CNAME record, 9021 for the TTL, 9004 for `proxied` on
  a type that cannot be proxied; other refusals carry 1004 alone.
- A record identical to one the zone holds (same type, name and content) is `CloudflareConflict` 81058. A CNAME
  is alone at its name: a CNAME joining a name that has records is 81053, any record joining a CNAME's name
  is 81054. An update is checked against the zone's other records; updating a record the zone does not hold
  is `CloudflareNotFound("dns_record", ..., codes=(81044,))`.
- `list_records` orders records by name, type, content and id.
- Universal SSL covers the zone's apex and the names one label under it (`*.zone` included). While the zone
  is pending that certificate is `pending`; once it is active it is `active`, issued on the day the zone was
  created for 90 days and renewed for 90 more each time it runs out. Other names have `none`.

Every zone-scoped call runs inside one `SandboxDnsStore.open_zone` block, so a record's checks and its write
are atomic: two callers cannot both add the same record.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, timedelta

from arco_adapters.cloudflare.errors import CloudflareConflict, CloudflareNotFound, CloudflareValidationError
from arco_adapters.sandbox_zones import SandboxDnsStore, SandboxZone, SandboxZoneRecords
from arco_domain.errors import ValidationError
from arco_domain.model.dns import (
    APEX,
    CertificateState,
    DnsRecordSpec,
    DnsRecordType,
    DnsZone,
    ProviderDnsRecord,
    validate_dns_record,
)
from arco_domain.model.domains import HostnameStatus, SslStatus, normalize_domain_name
from arco_ports.clock import Clock

INVALID_ZONE_NAME = 1099
ZONE_EXISTS = 1061
NO_SUCH_ZONE = 7003
NO_SUCH_RECORD = 81044
IDENTICAL_RECORD = 81058
CNAME_JOINS_TAKEN_NAME = 81053
NAME_TAKEN_BY_CNAME = 81054
DNS_VALIDATION_ERROR = 1004
_CHAINED_CODES = {"name": 9000, "ttl": 9021, "proxied": 9004}
_CONTENT_CODES = {DnsRecordType.A: 9005, DnsRecordType.AAAA: 9006, DnsRecordType.CNAME: 9007}

NAMESERVER_NAMES = ("ada", "bart", "cruz", "dana", "elle", "finn", "gail", "hugo")
CERTIFICATE_TERM = timedelta(days=90)


def cloudflare_id() -> str:
    """A fresh id shaped like Cloudflare's: 32 lower-case hex characters."""
    return secrets.token_hex(16)


def nameservers_for(zone_name: str) -> tuple[str, str]:
    """Two distinct nameservers, always the same pair for the same zone name."""
    digest = int.from_bytes(hashlib.sha256(zone_name.encode()).digest()[:8], "big")
    count = len(NAMESERVER_NAMES)
    first = digest % count
    second = (first + 1 + digest // count % (count - 1)) % count
    return f"{NAMESERVER_NAMES[first]}.ns.cloudflare.com", f"{NAMESERVER_NAMES[second]}.ns.cloudflare.com"


class SandboxDnsProvider:
    """The `DnsProvider` port over a `SandboxDnsStore`, answering as Cloudflare does (see the module docstring).

    `clock` dates new zones, and with them their certificates; `ids` makes zone and record ids.
    """

    def __init__(self, store: SandboxDnsStore, *, clock: Clock, ids: Callable[[], str] = cloudflare_id) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids

    async def find_zone(self, name: str) -> DnsZone | None:
        try:
            normalized = normalize_domain_name(name)
        except ValidationError:
            return None
        zone = await self._store.zone_named(normalized)
        return None if zone is None else zone.as_dns_zone()

    async def create_zone(self, name: str) -> DnsZone:
        try:
            normalized = normalize_domain_name(name)
        except ValidationError as error:
            raise CloudflareValidationError(
                f"{name!r} cannot be identified as a registered domain: {error.detail}",
                field="name",
                codes=(INVALID_ZONE_NAME,),
            ) from None
        zone = SandboxZone(
            id=self._ids(),
            name=normalized,
            nameservers=nameservers_for(normalized),
            status=HostnameStatus.PENDING,
            created_at=self._clock.now(),
        )
        if not await self._store.add_zone(zone):
            raise CloudflareConflict(f"{normalized} already exists", codes=(ZONE_EXISTS,))
        return zone.as_dns_zone()

    async def zone(self, zone_id: str) -> DnsZone:
        async with self._held(zone_id) as held:
            if held.zone.status is HostnameStatus.PENDING:
                await held.set_status(HostnameStatus.ACTIVE)
            return held.zone.as_dns_zone()

    async def delete_zone(self, zone_id: str) -> None:
        await self._store.delete_zone(zone_id)

    async def list_records(self, zone_id: str) -> Sequence[ProviderDnsRecord]:
        async with self._held(zone_id) as held:
            records = await held.records()
        return sorted(records, key=lambda r: (r.name, r.type, r.content, r.provider_id))

    async def create_record(self, zone_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
        async with self._held(zone_id) as held:
            record = _provider_record(self._ids(), held.zone.name, spec)
            _refuse_clashes(record, await held.records())
            await held.put(record)
        return record

    async def update_record(self, zone_id: str, record_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
        async with self._held(zone_id) as held:
            existing = await held.records()
            others = [r for r in existing if r.provider_id != record_id]
            if len(others) == len(existing):
                raise CloudflareNotFound("dns_record", record_id, codes=(NO_SUCH_RECORD,))
            record = _provider_record(record_id, held.zone.name, spec)
            _refuse_clashes(record, others)
            await held.put(record)
        return record

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        async with self._store.open_zone(zone_id) as held:
            if held is not None:
                await held.remove(record_id)

    async def certificate(self, zone_id: str, hostname: str) -> CertificateState:
        async with self._held(zone_id) as held:
            zone = held.zone
        name = hostname.lower().removesuffix(".")
        first_label, _, parent = name.partition(".")
        if name != zone.name and not (first_label and parent == zone.name):
            return CertificateState(SslStatus.NONE, None)
        if zone.status is not HostnameStatus.ACTIVE:
            return CertificateState(SslStatus.PENDING, None)
        issued = zone.created_at.astimezone(UTC).date()
        return CertificateState(SslStatus.ACTIVE, _expires_on(issued, self._clock.now().astimezone(UTC).date()))

    @asynccontextmanager
    async def _held(self, zone_id: str) -> AsyncIterator[SandboxZoneRecords]:
        async with self._store.open_zone(zone_id) as held:
            if held is None:
                raise CloudflareNotFound("zone", zone_id, codes=(NO_SUCH_ZONE,))
            yield held


def _provider_record(record_id: str, zone_name: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
    # A relative name such as "example.com" in the zone example.com means example.com.example.com; qualified
    # with a trailing dot it cannot be read as the apex.
    qualified = spec.name if spec.name == APEX else f"{spec.name}.{zone_name}."
    try:
        valid = validate_dns_record(
            zone_name, spec.type, qualified, spec.content, spec.ttl, spec.priority, spec.proxied
        )
    except ValidationError as error:
        chained = _CONTENT_CODES.get(spec.type) if error.field == "content" else _CHAINED_CODES.get(error.field or "")
        codes = (DNS_VALIDATION_ERROR,) if chained is None else (DNS_VALIDATION_ERROR, chained)
        raise CloudflareValidationError(error.detail, field=error.field, codes=codes) from None
    return ProviderDnsRecord(
        provider_id=record_id,
        type=valid.type.value,
        name=zone_name if valid.name == APEX else f"{valid.name}.{zone_name}",
        content=valid.content,
        ttl=valid.ttl,
        priority=valid.priority,
        proxied=valid.proxied,
    )


def _refuse_clashes(record: ProviderDnsRecord, others: Sequence[ProviderDnsRecord]) -> None:
    same_name = [other for other in others if other.name == record.name]
    if any((other.type, other.content) == (record.type, record.content) for other in same_name):
        raise CloudflareConflict(
            f"an identical {record.type} record {record.name} -> {record.content} already exists",
            codes=(IDENTICAL_RECORD,),
        )
    if record.type == DnsRecordType.CNAME and same_name:
        raise CloudflareConflict(
            f"{record.name} already has records; a CNAME must be alone at its name", codes=(CNAME_JOINS_TAKEN_NAME,)
        )
    if any(other.type == DnsRecordType.CNAME for other in same_name):
        raise CloudflareConflict(f"a CNAME record with the name {record.name} exists", codes=(NAME_TAKEN_BY_CNAME,))


def _expires_on(issued: date, today: date) -> date:
    terms_over = max(today - issued, timedelta()) // CERTIFICATE_TERM
    return issued + CERTIFICATE_TERM * (terms_over + 1)
