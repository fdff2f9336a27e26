"""DNS records of a client's zone, validated per type before they are pushed to the DNS provider."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from arco_domain.errors import Conflict, ValidationError
from arco_domain.ids import ClientId, DnsDriftId, DnsRecordId, DomainId
from arco_domain.model.domains import (
    MAX_NAME_LENGTH,
    HostnameStatus,
    SslStatus,
    normalize_domain_name,
    normalize_hostname,
    split_labels,
)

AUTOMATIC_TTL = 1  # Cloudflare's convention for "let the provider choose"
MIN_TTL = 60
MAX_TTL = 86_400
MAX_TXT_LENGTH = 2048
MAX_UINT16 = 65_535

APEX = "@"


class DnsRecordType(StrEnum):
    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    MX = "MX"
    TXT = "TXT"
    NS = "NS"
    CAA = "CAA"
    SRV = "SRV"


_PROXIABLE = frozenset({DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME})
_UNDERSCORE_NAMES = frozenset({DnsRecordType.SRV, DnsRecordType.TXT, DnsRecordType.CNAME})
_WITH_PRIORITY = frozenset({DnsRecordType.MX, DnsRecordType.SRV})
_SRV_PROTOCOLS = frozenset({"_tcp", "_udp", "_tls"})
_CAA = re.compile(r'(\d{1,3})\s+(issue|issuewild|iodef)\s+"([^"]*)"', re.IGNORECASE)
_SRV = re.compile(r"(\d{1,5})\s+(\d{1,5})\s+(\S+)")


@dataclass(frozen=True, slots=True)
class DnsRecordSpec:
    """A validated record: `name` is relative to its zone ("@" for the apex), content is canonical."""

    type: DnsRecordType
    name: str
    content: str
    ttl: int
    priority: int | None
    proxied: bool

    def facts(self) -> dict[str, object]:
        """The record as audit events and drift reports show it."""
        return {
            "type": self.type.value, "name": self.name, "content": self.content, "ttl": self.ttl,
            "priority": self.priority, "proxied": self.proxied,
        }  # fmt: skip


@dataclass(slots=True)
class DnsRecord:
    """A DNS record stored for a client's domain."""

    id: DnsRecordId
    client_id: ClientId
    domain_id: DomainId
    type: DnsRecordType
    name: str
    content: str
    ttl: int
    priority: int | None
    proxied: bool
    created_at: datetime
    provider_record_id: str | None = None

    def spec(self) -> DnsRecordSpec:
        return DnsRecordSpec(self.type, self.name, self.content, self.ttl, self.priority, self.proxied)

    def with_spec(self, spec: DnsRecordSpec, provider_record_id: str | None) -> DnsRecord:
        """This record holding `spec` instead, linked to `provider_record_id`."""
        return DnsRecord(
            id=self.id, client_id=self.client_id, domain_id=self.domain_id, type=spec.type, name=spec.name,
            content=spec.content, ttl=spec.ttl, priority=spec.priority, proxied=spec.proxied,
            created_at=self.created_at, provider_record_id=provider_record_id,
        )  # fmt: skip


def validate_dns_record(
    zone: str,
    type: DnsRecordType | str,
    name: str,
    content: str,
    ttl: int = AUTOMATIC_TTL,
    priority: int | None = None,
    proxied: bool = False,
) -> DnsRecordSpec:
    """Check a record for `zone` against the rules of its type and return it in canonical form.

    `name` is relative to the zone ("@" for the apex); a name ending in the zone is made relative,
    and a fully-qualified name (trailing dot) must end in it. A leftmost "*" label makes a wildcard.
    `ttl` is 1 (automatic) or 60..86400. Raises ValidationError with `field` naming the bad input.
    """
    zone = normalize_domain_name(zone)
    record_type = _record_type(type)
    relative = _relative_name(zone, name, record_type)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not (ttl == AUTOMATIC_TTL or MIN_TTL <= ttl <= MAX_TTL):
        raise ValidationError(f"ttl must be {AUTOMATIC_TTL} (automatic) or {MIN_TTL}..{MAX_TTL}", field="ttl")
    if record_type in _WITH_PRIORITY:
        if priority is None:
            raise ValidationError(f"{record_type} records need a priority", field="priority")
        _uint16(priority, "priority")
    elif priority is not None:
        raise ValidationError(f"{record_type} records take no priority", field="priority")
    if proxied and record_type not in _PROXIABLE:
        raise ValidationError("only A, AAAA and CNAME records can be proxied", field="proxied")
    canonical = _content(record_type, content, zone, relative)
    return DnsRecordSpec(record_type, relative, canonical, ttl, priority, bool(proxied))


def check_record_set(existing: Sequence[DnsRecordSpec], new: DnsRecordSpec) -> None:
    """Refuse `new` if it clashes with the records already in the same zone.

    A CNAME must be alone at its name (RFC 1034 §3.6.2), and an exact (type, name, content) duplicate
    is refused. When updating a record, leave the record being replaced out of `existing`.
    Raises Conflict.
    """
    same_name = [record for record in existing if record.name == new.name]
    for record in same_name:
        if (record.type, record.content) == (new.type, new.content):
            raise Conflict(f"a {new.type} record {new.name} -> {new.content} already exists")
    if same_name and DnsRecordType.CNAME in {new.type, *(record.type for record in same_name)}:
        raise Conflict(f"a CNAME record cannot share the name {new.name} with any other record")


def _record_type(raw: DnsRecordType | str) -> DnsRecordType:
    try:
        return DnsRecordType(raw.upper())
    except ValueError:
        allowed = ", ".join(DnsRecordType)
        raise ValidationError(f"record type {raw!r} is not one of {allowed}", field="type") from None


def _relative_name(zone: str, raw: str, record_type: DnsRecordType) -> str:
    relative = _relative_labels(zone, raw, record_type)
    if record_type is DnsRecordType.SRV and (
        len(relative) < 2 or not relative[0].startswith("_") or relative[1] not in _SRV_PROTOCOLS
    ):
        raise ValidationError("SRV names look like _service._proto[.name], proto _tcp, _udp or _tls", field="name")
    return ".".join(relative) or APEX


def _relative_labels(zone: str, raw: str, record_type: DnsRecordType) -> tuple[str, ...]:
    name = raw.strip()
    if name == APEX:
        return ()
    if not name:
        raise ValidationError(f'name is empty; use "{APEX}" for the zone apex', field="name")
    wildcard = name == "*" or name.startswith("*.")
    rest = name[2:] if wildcard else name
    if "*" in rest:
        raise ValidationError("a wildcard '*' is only allowed as the leftmost label", field="name")
    if wildcard and record_type is DnsRecordType.NS:
        raise ValidationError("NS records cannot be wildcards (RFC 4592 §4.2)", field="name")
    allow_underscore = record_type in _UNDERSCORE_NAMES
    labels = split_labels(rest, field="name", allow_underscore=allow_underscore) if rest else ()
    zone_labels = tuple(zone.split("."))
    if labels[-len(zone_labels) :] == zone_labels:
        labels = labels[: -len(zone_labels)]
    elif name.endswith("."):
        raise ValidationError(f"{raw!r} is not inside the zone {zone}", field="name")
    relative = ("*",) * wildcard + labels
    if len(".".join((*relative, zone))) > MAX_NAME_LENGTH:
        raise ValidationError(f"{raw!r} in the zone {zone} is longer than {MAX_NAME_LENGTH} characters", field="name")
    return relative


def _content(record_type: DnsRecordType, raw: str, zone: str, relative: str) -> str:
    match record_type:
        case DnsRecordType.A:
            return _ip(raw, ipaddress.IPv4Address, "IPv4")
        case DnsRecordType.AAAA:
            return _ip(raw, ipaddress.IPv6Address, "IPv6")
        case DnsRecordType.CNAME:
            if relative == APEX:
                raise ValidationError("a CNAME cannot sit at the zone apex", field="name")
            target = _target(raw, allow_underscore=True)
            if target == f"{relative}.{zone}":
                raise ValidationError("a CNAME cannot point at itself", field="content")
            return target
        case DnsRecordType.MX | DnsRecordType.NS:
            if record_type is DnsRecordType.NS and relative == APEX:
                # The apex NS set is the registrar's delegation, kept in Domain.nameservers.
                raise ValidationError("NS records at the zone apex are managed by the provider", field="name")
            return _target(raw)
        case DnsRecordType.TXT:
            if not raw or len(raw) > MAX_TXT_LENGTH or not raw.isprintable():
                raise ValidationError(f"TXT content must be 1..{MAX_TXT_LENGTH} printable characters", field="content")
            return raw
        case DnsRecordType.CAA:
            return _caa(raw)
        case DnsRecordType.SRV:
            return _srv(raw)


def _ip(raw: str, family: type[ipaddress.IPv4Address | ipaddress.IPv6Address], label: str) -> str:
    try:
        address = family(raw.strip())
    except ValueError:
        raise ValidationError(f"{raw!r} is not an {label} address", field="content") from None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        raise ValidationError("IPv6 addresses in DNS carry no scope id", field="content")
    return str(address)


def _target(raw: str, *, allow_underscore: bool = False) -> str:
    text = raw.strip()
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return normalize_hostname(text, field="content", allow_underscore=allow_underscore)
    raise ValidationError(f"{raw!r} is an IP address; this record needs a hostname", field="content")


def _uint16(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT16:
        raise ValidationError(f"{field} must be an integer in 0..{MAX_UINT16}", field=field)


def _caa(raw: str) -> str:
    match = _CAA.fullmatch(raw.strip())
    if match is None:
        raise ValidationError(
            'CAA content looks like 0 issue "letsencrypt.org", tag issue, issuewild or iodef', field="content"
        )
    flags, tag, value = int(match[1]), match[2].lower(), match[3]
    if flags > 255:
        raise ValidationError("CAA flags must be in 0..255", field="content")
    if not value.isprintable():
        raise ValidationError("CAA value must be printable", field="content")
    if tag == "iodef" and not value.startswith(("mailto:", "https://", "http://")):
        raise ValidationError("CAA iodef value must be a mailto: or http(s):// URL", field="content")
    return f'{flags} {tag} "{value}"'


def _srv(raw: str) -> str:
    match = _SRV.fullmatch(raw.strip())
    if match is None:
        raise ValidationError("SRV content looks like '<weight> <port> <target>'", field="content")
    weight, port = int(match[1]), int(match[2])
    for value, field in ((weight, "weight"), (port, "port")):
        if value > MAX_UINT16:
            raise ValidationError(f"SRV {field} must be in 0..{MAX_UINT16}", field="content")
    return f"{weight} {port} {_target(match[3])}"


@dataclass(frozen=True, slots=True)
class DnsZone:
    """A zone at the DNS provider, its state there and the nameservers the registrar must point at."""

    provider_id: str
    name: str
    nameservers: tuple[str, ...]
    status: HostnameStatus


@dataclass(frozen=True, slots=True)
class ProviderDnsRecord:
    """A record as the DNS provider holds it, with the provider's own id, not yet checked by ARCO's rules.

    `name` is fully qualified as the provider spells it; `type` may be one ARCO does not manage.
    `spec_in` reads it as an ARCO record of its zone.
    """

    provider_id: str
    type: str
    name: str
    content: str
    ttl: int
    priority: int | None
    proxied: bool

    def facts(self) -> dict[str, object]:
        return {
            "type": self.type, "name": self.name, "content": self.content, "ttl": self.ttl,
            "priority": self.priority, "proxied": self.proxied,
        }  # fmt: skip

    def spec_in(self, zone: str) -> DnsRecordSpec:
        """The record as ARCO would store it; ValidationError when ARCO's rules cannot hold it."""
        qualified = self.name if self.name.endswith(".") else f"{self.name}."
        return validate_dns_record(zone, self.type, qualified, self.content, self.ttl, self.priority, self.proxied)


@dataclass(frozen=True, slots=True)
class CertificateState:
    """The provider's view of the certificate covering a hostname; `expires_on` is None when not reported."""

    status: SslStatus
    expires_on: date | None


class DriftKind(StrEnum):
    """What a reconciliation reports rather than adopts.

    `missing_at_provider`: ARCO has the record but the provider no longer does (deleted outside ARCO); the
    client decides whether to delete it or save it again. `unmanageable`: the provider holds a record ARCO's
    rules cannot represent (a type ARCO does not manage, a name or content its validator refuses).
    `refused_by_provider`: a record ARCO holds that the provider would not take when ARCO pushed it.
    """

    MISSING_AT_PROVIDER = "missing_at_provider"
    UNMANAGEABLE = "unmanageable"
    REFUSED_BY_PROVIDER = "refused_by_provider"


@dataclass(frozen=True, slots=True)
class DnsDrift:
    """One difference between ARCO's records of a domain and its provider's, as of `detected_at`."""

    id: DnsDriftId
    client_id: ClientId
    domain_id: DomainId
    kind: DriftKind
    record_id: DnsRecordId | None
    provider_record_id: str | None
    arco: dict[str, object] | None
    provider: dict[str, object] | None
    detail: str
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What to do to make ARCO's records of one zone agree with the provider's, without deleting anything.

    `link`: a record of ARCO's that the provider holds identically under an id ARCO did not know yet.
    `adopt_new`: the provider's records ARCO has no record of (added outside ARCO).
    `adopt_changed`: ARCO's records the provider now holds differently (edited outside ARCO), with the
    provider's version. `missing` and `unmanageable` are reported, never acted on.
    """

    link: tuple[tuple[DnsRecord, str], ...]
    adopt_new: tuple[tuple[ProviderDnsRecord, DnsRecordSpec], ...]
    adopt_changed: tuple[tuple[DnsRecord, DnsRecordSpec, str], ...]
    missing: tuple[DnsRecord, ...]
    unmanageable: tuple[tuple[ProviderDnsRecord, str], ...]


def _same_record(spec: DnsRecordSpec, other: DnsRecordSpec) -> bool:
    # What the provider treats as one record: an identical type, name and content cannot exist twice.
    return (spec.type, spec.name, spec.content) == (other.type, other.name, other.content)


def provider_holds(zone: str, provider: Sequence[ProviderDnsRecord], spec: DnsRecordSpec) -> bool:
    """Whether the provider's records of `zone` include `spec` (same type, name and content)."""
    for remote in provider:
        try:
            if _same_record(remote.spec_in(zone), spec):
                return True
        except ValidationError:
            continue
    return False


def reconcile(zone: str, arco: Sequence[DnsRecord], provider: Sequence[ProviderDnsRecord]) -> Reconciliation:
    """Compare ARCO's records of `zone` with the provider's and say what to adopt and what to report.

    The provider is what the world resolves, so where its records differ ARCO follows it (adopts) when its
    rules can hold them. Records are matched by the provider's id; an ARCO record not yet linked to one is
    matched to a provider record with the same type, name and content. Nothing is ever deleted: an ARCO
    record the provider no longer holds is reported as missing.
    """
    by_provider_id = {record.provider_record_id: record for record in arco if record.provider_record_id}
    unlinked = [record for record in arco if not record.provider_record_id]
    seen: set[str] = set()
    link: list[tuple[DnsRecord, str]] = []
    adopt_new: list[tuple[ProviderDnsRecord, DnsRecordSpec]] = []
    adopt_changed: list[tuple[DnsRecord, DnsRecordSpec, str]] = []
    unmanageable: list[tuple[ProviderDnsRecord, str]] = []
    for remote in provider:
        known = by_provider_id.get(remote.provider_id)
        if known is not None:
            seen.add(remote.provider_id)  # held, if perhaps in a form ARCO cannot read: not missing
        try:
            spec = remote.spec_in(zone)
        except ValidationError as refusal:
            unmanageable.append((remote, refusal.detail))
            continue
        newly_linked = known is None
        if known is None:
            known = next(
                (r for r in unlinked if (r.type, r.name, r.content) == (spec.type, spec.name, spec.content)), None
            )
        if known is None:
            adopt_new.append((remote, spec))
            continue
        if newly_linked:
            unlinked.remove(known)
        if known.spec() != spec:
            adopt_changed.append((known, spec, remote.provider_id))
        elif newly_linked:
            link.append((known, remote.provider_id))
    missing = tuple(record for record in arco if record.provider_record_id and record.provider_record_id not in seen)
    return Reconciliation(tuple(link), tuple(adopt_new), tuple(adopt_changed), missing, tuple(unmanageable))
