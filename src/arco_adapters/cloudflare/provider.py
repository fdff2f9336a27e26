"""`CloudflareDnsProvider`: the `DnsProvider` port on Cloudflare's API v4 (zones, DNS records, certificate packs).

Every answer comes in Cloudflare's envelope, `{"success", "errors": [{"code", "message"}], "messages", "result",
"result_info"}`. A refusal becomes one of `arco_adapters.cloudflare.errors` by its HTTP status and its error codes,
looking through each error's `error_chain` too, because a DNS validation error (1004) names its real cause there.
Only `CloudflareUnavailable` (a 5xx, a timeout, an unreadable answer) and `CloudflareRateLimited` are tried again,
through `call_with_retries`; everything else is a verdict another attempt cannot change and leaves at once.

Records go out fully qualified, the one spelling of a name Cloudflare cannot read two ways. The record endpoints
name a zone by id only, so the zone's name is read once per zone id and kept for the life of the adapter: a zone's
name never changes. SRV and CAA records travel as Cloudflare's structured `data`, which it requires for them;
coming back, their content is rebuilt from `data` in ARCO's canonical spelling, because the `content` Cloudflare
renders for these types need not be ARCO's (its separators, say), and a difference would read as drift.

A hostname's certificate is read from the zone's certificate packs of every status: of the packs whose hosts
cover the hostname (by name, or by a wildcard one label above it), the one in the best state decides, and its
expiry is the earliest of its certificates'. Messages never carry the API token.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import httpx
import msgspec

from arco_adapters.cloudflare.errors import (
    CloudflareAuthError,
    CloudflareConflict,
    CloudflareNotFound,
    CloudflareRateLimited,
    CloudflareUnavailable,
    CloudflareValidationError,
)
from arco_adapters.http_retry import RetryPolicy, call_with_retries, retry_after
from arco_domain.errors import ArcoError, ValidationError
from arco_domain.model.dns import APEX, CertificateState, DnsRecordSpec, DnsRecordType, DnsZone, ProviderDnsRecord
from arco_domain.model.domains import HostnameStatus, SslStatus

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"
SERVICE = "Cloudflare"

RATE_LIMIT_WAIT = 60.0
"""Seconds to wait after a 429 that came without `Retry-After`: Cloudflare counts its limit over five minutes, and
a minute lets part of that window pass while staying within `RetryPolicy.longest_hint`'s default."""

RECORDS_PER_PAGE = 100
PACKS_PER_PAGE = 50  # the most the certificate packs listing accepts

AUTH_CODES = frozenset({6111, 9103, 9106, 9109, 10000})
"""A malformed, unknown or revoked token, or one without the permission the call needs."""

ZONE_NOT_FOUND_CODES = frozenset({1001, 7003})
RECORD_NOT_FOUND_CODES = frozenset({81044})

CONFLICT_CODES = frozenset({1061, 81053, 81054, 81055, 81057, 81058})
"""A zone already on Cloudflare (1061); a record clashing with one the zone holds (an identical record, a CNAME
sharing its name with another record)."""

DNS_VALIDATION_ERROR = 1004
FIELD_CODES: Mapping[int, str] = {
    1099: "name",
    9000: "name",
    9005: "content",
    9006: "content",
    9007: "content",
    9009: "content",
    9039: "content",
    9008: "priority",
    9100: "priority",
    9021: "ttl",
    9003: "proxied",
    9004: "proxied",
    9041: "proxied",
}
"""The input each of Cloudflare's validation codes blames: a zone's name (1099), else a DNS record's field."""

ZONE_STATUSES: Mapping[str, HostnameStatus] = {
    "initializing": HostnameStatus.PENDING,
    "pending": HostnameStatus.PENDING,
    "active": HostnameStatus.ACTIVE,
    "moved": HostnameStatus.MOVED,
}

PACK_STATUSES: Mapping[str, SslStatus] = {
    "active": SslStatus.ACTIVE,
    "pending_expiration": SslStatus.ACTIVE,  # still served while Cloudflare renews it
    "expired": SslStatus.EXPIRED,
    **dict.fromkeys(
        (
            "initializing_timed_out",
            "validation_timed_out",
            "issuance_timed_out",
            "deployment_timed_out",
            "deletion_timed_out",
            "timing_out",
            "pending_deletion",
            "pending_cleanup",
            "deactivating",
            "inactive",
            "deleted",
        ),
        SslStatus.FAILED,
    ),
}
"""Statuses of a certificate pack. A pack being removed will not serve its hostnames, so it counts as failed; every
other status (initializing, pending_validation, pending_issuance, pending_deployment, ...) is a step toward issuance."""

_PREFERENCE = (SslStatus.ACTIVE, SslStatus.PENDING, SslStatus.EXPIRED, SslStatus.FAILED)
_PROXIABLE = frozenset({DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.CNAME})
_CAA_CONTENT = re.compile(r'(\d+)\s+(\S+)\s+"(.*)"', re.DOTALL)

_Shape = TypeVar("_Shape")


class _Answer(msgspec.Struct, forbid_unknown_fields=False):
    """The parts of Cloudflare's answers ARCO reads; vendors add fields, so unknown ones are ignored."""


class _Error(_Answer):
    code: int | None = None
    message: str | None = None
    error_chain: list[_Error] = []


class _ResultInfo(_Answer):
    per_page: int | None = None
    total_pages: int | None = None
    total_count: int | None = None


class _Envelope(_Answer):
    success: bool = False
    errors: list[_Error] = []
    result: Any = None
    result_info: _ResultInfo | None = None


class _Zone(_Answer):
    id: str
    name: str
    status: str
    name_servers: list[str] | None = None


class _Record(_Answer):
    id: str
    type: str
    name: str
    ttl: int
    content: str | None = None
    priority: int | None = None
    proxied: bool | None = None
    data: dict[str, Any] | None = None


class _SrvData(_Answer):
    weight: int
    port: int
    target: str
    priority: int | None = None

    def content(self) -> str:
        return f"{self.weight} {self.port} {self.target}"


class _CaaData(_Answer):
    flags: int
    tag: str
    value: str

    def content(self) -> str:
        return f'{self.flags} {self.tag} "{self.value}"'


class _Certificate(_Answer):
    expires_on: str | None = None


class _Pack(_Answer):
    status: str | None = None
    hosts: list[str] = []
    certificates: list[_Certificate] = []


class CloudflareDnsProvider:
    """One Cloudflare account's zones through one `httpx.AsyncClient` (closed by `aclose`), authorised by an API
    token sent as a bearer token.

    `connect_timeout` and `read_timeout` bound each step of a request and `deadline` the whole of one attempt, so a
    slow Cloudflare cannot hold a worker; `retry` says how often and how patiently a transient failure is tried
    again, and `sleep` does the waiting between attempts (tests pass one that does not wait). `base_url` and
    `transport` point the client elsewhere (a local stub, say).
    """

    def __init__(
        self,
        api_token: str,
        account_id: str,
        *,
        base_url: str = CLOUDFLARE_API,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        deadline: float = 30.0,
        records_per_page: int = RECORDS_PER_PAGE,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not api_token or not account_id:
            raise ValueError("Cloudflare needs an API token and an account id")
        self._token = api_token
        self._account = account_id
        self._retry = retry or RetryPolicy()
        self._deadline = deadline
        self._records_per_page = records_per_page
        self._sleep = sleep
        self._zone_names: dict[str, str] = {}
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_token}", "Accept": "application/json"},
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def find_zone(self, name: str) -> DnsZone | None:
        body = await self._call("GET", "/zones", zone=name, params={"name": name, "account.id": self._account})
        wanted = name.rstrip(".").lower()
        for found in (_read(item, _Zone, "a zone") for item in _items(body)):
            if found.name.lower() == wanted:
                return self._remember(_zone(found))
        return None

    async def create_zone(self, name: str) -> DnsZone:
        payload = {"name": name, "account": {"id": self._account}, "type": "full"}
        body = await self._call("POST", "/zones", zone=name, json=payload)
        return self._remember(_zone(_result(body, _Zone, "a zone")))

    async def zone(self, zone_id: str) -> DnsZone:
        body = await self._call("GET", f"/zones/{zone_id}", zone=zone_id)
        return self._remember(_zone(_result(body, _Zone, "a zone")))

    async def delete_zone(self, zone_id: str) -> None:
        with contextlib.suppress(CloudflareNotFound):  # already gone, which is what was asked
            await self._call("DELETE", f"/zones/{zone_id}", zone=zone_id)
        self._zone_names.pop(zone_id, None)

    async def list_records(self, zone_id: str) -> Sequence[ProviderDnsRecord]:
        raws = await self._every_page(f"/zones/{zone_id}/dns_records", zone_id, self._records_per_page)
        return [provider_record(raw) for raw in raws]

    async def create_record(self, zone_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
        payload = record_payload(spec, await self._zone_name(zone_id))
        body = await self._call("POST", f"/zones/{zone_id}/dns_records", zone=zone_id, json=payload)
        return provider_record(body.result)

    async def update_record(self, zone_id: str, record_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
        payload = record_payload(spec, await self._zone_name(zone_id))
        path = f"/zones/{zone_id}/dns_records/{record_id}"
        body = await self._call("PUT", path, zone=zone_id, record=record_id, json=payload)
        return provider_record(body.result)

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        with contextlib.suppress(CloudflareNotFound):  # already gone, which is what was asked
            await self._call("DELETE", f"/zones/{zone_id}/dns_records/{record_id}", zone=zone_id, record=record_id)

    async def certificate(self, zone_id: str, hostname: str) -> CertificateState:
        packs = await self._every_page(
            f"/zones/{zone_id}/ssl/certificate_packs", zone_id, PACKS_PER_PAGE, {"status": "all"}
        )
        name = hostname.strip().rstrip(".").lower()
        read = [_read(pack, _Pack, "a certificate pack") for pack in packs]
        states = [_pack_state(pack) for pack in read if _covers(pack.hosts, name)]
        if not states:
            return CertificateState(SslStatus.NONE, None)
        # Among equals, the certificate that lasts longest is the one keeping the hostname covered.
        return min(states, key=lambda s: (_PREFERENCE.index(s.status), -(s.expires_on or date.min).toordinal()))

    def _remember(self, zone: DnsZone) -> DnsZone:
        self._zone_names[zone.provider_id] = zone.name
        return zone

    async def _zone_name(self, zone_id: str) -> str:
        known = self._zone_names.get(zone_id)
        return known if known is not None else (await self.zone(zone_id)).name

    async def _every_page(
        self, path: str, zone_id: str, per_page: int, params: Mapping[str, str] | None = None
    ) -> list[object]:
        collected: list[object] = []
        page = 1
        while True:
            query: dict[str, str | int] = {**(params or {}), "per_page": per_page, "page": page}
            body = await self._call("GET", path, zone=zone_id, params=query)
            batch = _items(body)
            collected.extend(batch)
            info = body.result_info or _ResultInfo()
            if _last_page(info, page=page, read=len(collected), batch=len(batch), per_page=per_page):
                return collected
            page += 1

    async def _call(
        self,
        method: str,
        path: str,
        *,
        zone: str,
        record: str | None = None,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> _Envelope:
        """The envelope of a successful answer; `zone` and `record` name what a not-found answer is about."""

        async def attempt() -> _Envelope:
            try:
                async with asyncio.timeout(self._deadline):
                    response = await self._http.request(method, path, params=params, json=json)
            except (httpx.TimeoutException, TimeoutError) as error:
                raise CloudflareUnavailable("Cloudflare did not answer in time; try again later") from error
            except httpx.TransportError as error:
                reason = type(error).__name__
                raise CloudflareUnavailable(f"Cloudflare cannot be reached ({reason}); try again later") from error
            body = _envelope(response)
            if response.is_success and body is not None and body.success:
                return body
            raise _refusal(response, body, zone=zone, record=record, token=self._token)

        return await call_with_retries(attempt, self._retry, service=SERVICE, sleep=self._sleep)


def _refusal(
    response: httpx.Response, body: _Envelope | None, *, zone: str, record: str | None, token: str
) -> ArcoError:
    status = response.status_code
    errors = list(_errors(body.errors if body is not None else []))
    codes = tuple(code for code, _ in errors)
    found = set(codes)
    said = "; ".join(f"{message} ({code})" for code, message in errors) or response.reason_phrase or "no details"
    detail = f"{status}: {said}".replace(token, "[token]")
    if status == 429:
        wait = retry_after(response.headers)
        return CloudflareRateLimited(
            f"Cloudflare's rate limit was reached ({detail}); try again later",
            retry_after=RATE_LIMIT_WAIT if wait is None else wait,
            codes=codes,
        )
    if status >= 500:
        return CloudflareUnavailable(
            f"Cloudflare failed to answer ({detail}); try again later",
            retry_after=retry_after(response.headers),
            codes=codes,
        )
    if status in (401, 403) or found & AUTH_CODES:
        return CloudflareAuthError(f"Cloudflare refused ARCO's API token or its permissions ({detail})", codes=codes)
    if status == 404 or found & (ZONE_NOT_FOUND_CODES | RECORD_NOT_FOUND_CODES):
        if record is not None and not found & ZONE_NOT_FOUND_CODES:
            return CloudflareNotFound("dns_record", record, codes=codes)
        return CloudflareNotFound("zone", zone, codes=codes)
    if found & CONFLICT_CODES:
        return CloudflareConflict(f"Cloudflare refused the change ({detail})", codes=codes)
    if body is None:
        return CloudflareUnavailable(f"Cloudflare answered with something that is not its JSON envelope ({status})")
    fields = [FIELD_CODES[code] for code in codes if code in FIELD_CODES]
    if 400 <= status < 500 or fields or DNS_VALIDATION_ERROR in found:
        return CloudflareValidationError(
            f"Cloudflare refused the input ({detail})", field=fields[0] if fields else None, codes=codes
        )
    return CloudflareUnavailable(f"Cloudflare answered without success ({detail}); try again later", codes=codes)


def _errors(items: Sequence[_Error]) -> Iterator[tuple[int, str]]:
    """Every `(code, message)` of an `errors` list, the errors of each `error_chain` included."""
    for item in items:
        if item.code is not None:
            yield item.code, item.message or ""
        yield from _errors(item.error_chain)


def _envelope(response: httpx.Response) -> _Envelope | None:
    try:
        return msgspec.json.decode(response.content, type=_Envelope)
    except msgspec.DecodeError:
        return None


def _read(value: object, shape: type[_Shape], what: str) -> _Shape:
    try:
        return msgspec.convert(value, shape)
    except msgspec.ValidationError as error:
        raise CloudflareUnavailable(f"Cloudflare answered with {what} ARCO cannot read ({error})") from error


def _result(body: _Envelope, shape: type[_Shape], what: str) -> _Shape:
    if body.result is None:
        raise CloudflareUnavailable("Cloudflare answered without the object it was asked for")
    return _read(body.result, shape, what)


def _items(body: _Envelope) -> list[object]:
    if not isinstance(body.result, list):
        raise CloudflareUnavailable("Cloudflare answered without the list it was asked for")
    return body.result


def _last_page(info: _ResultInfo, *, page: int, read: int, batch: int, per_page: int) -> bool:
    """Whether the listing is complete, by `result_info`'s page count, else its total, else a short page."""
    if batch == 0:
        return True
    if info.total_pages is not None:
        return page >= info.total_pages
    if info.total_count is not None:
        return read >= info.total_count
    return batch < (info.per_page or per_page)


def _zone(raw: _Zone) -> DnsZone:
    status = ZONE_STATUSES.get(raw.status)
    if status is None:
        raise CloudflareUnavailable(f"Cloudflare answered with a zone ARCO cannot read (status {raw.status!r})")
    return DnsZone(provider_id=raw.id, name=raw.name, nameservers=tuple(raw.name_servers or ()), status=status)


def provider_record(raw: object) -> ProviderDnsRecord:
    """A record as Cloudflare renders it, read back; SRV and CAA content rebuilt from `data` in ARCO's spelling."""
    record = _read(raw, _Record, "a DNS record")
    srv = _data(record, "SRV", _SrvData)
    caa = _data(record, "CAA", _CaaData)
    content = srv.content() if srv else caa.content() if caa else record.content
    if content is None:
        raise CloudflareUnavailable(f"Cloudflare answered with a {record.type} record {record.name} without content")
    priority = srv.priority if srv and srv.priority is not None else record.priority
    return ProviderDnsRecord(
        provider_id=record.id,
        type=record.type,
        name=record.name,
        content=content,
        ttl=record.ttl,
        priority=priority if record.type in ("MX", "SRV") else None,
        proxied=record.proxied is True,
    )


def _data(record: _Record, record_type: str, shape: type[_Shape]) -> _Shape | None:
    """A record's structured `data` read as `shape` when it is of `record_type`; its `content` serves otherwise."""
    if record.type != record_type or record.data is None:
        return None
    try:
        return msgspec.convert(record.data, shape)
    except msgspec.ValidationError:
        return None


def record_payload(spec: DnsRecordSpec, zone_name: str) -> dict[str, Any]:
    """The body of a create or update request for `spec` in the zone `zone_name`, as Cloudflare's API takes it."""
    payload: dict[str, Any] = {
        "type": str(spec.type),
        "name": zone_name if spec.name == APEX else f"{spec.name}.{zone_name}",
        "ttl": spec.ttl,
    }
    if spec.type is DnsRecordType.SRV:
        payload["data"] = _srv_data(spec)
    elif spec.type is DnsRecordType.CAA:
        payload["data"] = _caa_data(spec.content)
    else:
        payload["content"] = spec.content
    if spec.type is DnsRecordType.MX:
        payload["priority"] = spec.priority
    if spec.type in _PROXIABLE:
        payload["proxied"] = spec.proxied
    return payload


def _srv_data(spec: DnsRecordSpec) -> dict[str, Any]:
    parts = spec.content.split()
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise ValidationError("SRV content looks like '<weight> <port> <target>'", field="content")
    weight, port, target = parts
    return {"priority": spec.priority, "weight": int(weight), "port": int(port), "target": target}


def _caa_data(content: str) -> dict[str, Any]:
    match = _CAA_CONTENT.fullmatch(content.strip())
    if match is None:
        raise ValidationError('CAA content looks like 0 issue "letsencrypt.org"', field="content")
    return {"flags": int(match[1]), "tag": match[2], "value": match[3]}


def _covers(hosts: Sequence[str], hostname: str) -> bool:
    parent = hostname.partition(".")[2]
    for host in (host.lower() for host in hosts):
        if host == hostname or (host.startswith("*.") and parent and host[2:] == parent):
            return True
    return False


def _pack_state(pack: _Pack) -> CertificateState:
    # A status this mapping does not know yet is one Cloudflare added since; its statuses that are not a verdict
    # are steps toward issuance, so it reads as pending rather than as a failure nobody declared.
    status = PACK_STATUSES.get(pack.status or "", SslStatus.PENDING)
    expiries = [moment for moment in map(_expiry, pack.certificates) if moment]
    return CertificateState(status, min(expiries, default=None))


def _expiry(certificate: _Certificate) -> date | None:
    if certificate.expires_on is None:
        return None
    try:
        return datetime.fromisoformat(certificate.expires_on).date()
    except ValueError:
        return None
