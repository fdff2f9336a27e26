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
from typing import Any, TypeGuard

import httpx

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
        for raw in _results(body):
            if str(raw.get("name", "")).lower() == wanted:
                return self._remember(_zone(raw))
        return None

    async def create_zone(self, name: str) -> DnsZone:
        payload = {"name": name, "account": {"id": self._account}, "type": "full"}
        return self._remember(_zone(_result(await self._call("POST", "/zones", zone=name, json=payload))))

    async def zone(self, zone_id: str) -> DnsZone:
        return self._remember(_zone(_result(await self._call("GET", f"/zones/{zone_id}", zone=zone_id))))

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
        return provider_record(_result(body))

    async def update_record(self, zone_id: str, record_id: str, spec: DnsRecordSpec) -> ProviderDnsRecord:
        payload = record_payload(spec, await self._zone_name(zone_id))
        path = f"/zones/{zone_id}/dns_records/{record_id}"
        return provider_record(_result(await self._call("PUT", path, zone=zone_id, record=record_id, json=payload)))

    async def delete_record(self, zone_id: str, record_id: str) -> None:
        with contextlib.suppress(CloudflareNotFound):  # already gone, which is what was asked
            await self._call("DELETE", f"/zones/{zone_id}/dns_records/{record_id}", zone=zone_id, record=record_id)

    async def certificate(self, zone_id: str, hostname: str) -> CertificateState:
        packs = await self._every_page(
            f"/zones/{zone_id}/ssl/certificate_packs", zone_id, PACKS_PER_PAGE, {"status": "all"}
        )
        name = hostname.strip().rstrip(".").lower()
        states = [_pack_state(pack) for pack in packs if _covers(pack.get("hosts"), name)]
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
    ) -> list[Mapping[str, Any]]:
        collected: list[Mapping[str, Any]] = []
        page = 1
        while True:
            query: dict[str, str | int] = {**(params or {}), "per_page": per_page, "page": page}
            body = await self._call("GET", path, zone=zone_id, params=query)
            batch = _results(body)
            collected.extend(batch)
            info = _mapping(body.get("result_info"))
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
    ) -> Mapping[str, Any]:
        """The envelope of a successful answer; `zone` and `record` name what a not-found answer is about."""

        async def attempt() -> Mapping[str, Any]:
            try:
                async with asyncio.timeout(self._deadline):
                    response = await self._http.request(method, path, params=params, json=json)
            except (httpx.TimeoutException, TimeoutError) as error:
                raise CloudflareUnavailable("Cloudflare did not answer in time; try again later") from error
            except httpx.TransportError as error:
                reason = type(error).__name__
                raise CloudflareUnavailable(f"Cloudflare cannot be reached ({reason}); try again later") from error
            body = _json_object(response)
            if response.is_success and body is not None and body.get("success") is True:
                return body
            raise _refusal(response, body, zone=zone, record=record, token=self._token)

        return await call_with_retries(attempt, self._retry, service=SERVICE, sleep=self._sleep)


def _refusal(
    response: httpx.Response, body: Mapping[str, Any] | None, *, zone: str, record: str | None, token: str
) -> ArcoError:
    status = response.status_code
    errors = list(_errors(body.get("errors") if body is not None else None))
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


def _errors(items: object) -> Iterator[tuple[int, str]]:
    """Every `(code, message)` of an `errors` list, the errors of each `error_chain` included."""
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping):
            code = item.get("code")
            if _is_int(code):
                yield code, str(item.get("message") or "")
            yield from _errors(item.get("error_chain"))


def _json_object(response: httpx.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, Mapping) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _result(body: Mapping[str, Any]) -> Mapping[str, Any]:
    result = body.get("result")
    if not isinstance(result, Mapping):
        raise CloudflareUnavailable("Cloudflare answered without the object it was asked for")
    return result


def _results(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    result = body.get("result")
    if not isinstance(result, list) or not all(isinstance(item, Mapping) for item in result):
        raise CloudflareUnavailable("Cloudflare answered without the list it was asked for")
    return result


def _last_page(info: Mapping[str, Any], *, page: int, read: int, batch: int, per_page: int) -> bool:
    """Whether the listing is complete, by `result_info`'s page count, else its total, else a short page."""
    if batch == 0:
        return True
    total_pages = info.get("total_pages")
    if _is_int(total_pages):
        return page >= total_pages
    total_count = info.get("total_count")
    if _is_int(total_count):
        return read >= total_count
    page_size = info.get("per_page")
    return batch < (page_size if _is_int(page_size) else per_page)


def _zone(raw: Mapping[str, Any]) -> DnsZone:
    zone_id, name, servers = raw.get("id"), raw.get("name"), raw.get("name_servers") or []
    status = ZONE_STATUSES.get(str(raw.get("status")))
    if status is None or not isinstance(zone_id, str) or not isinstance(name, str) or not isinstance(servers, list):
        raise CloudflareUnavailable(f"Cloudflare answered with a zone ARCO cannot read (status {raw.get('status')!r})")
    return DnsZone(provider_id=zone_id, name=name, nameservers=tuple(map(str, servers)), status=status)


def provider_record(raw: Mapping[str, Any]) -> ProviderDnsRecord:
    """A record as Cloudflare renders it, read back; SRV and CAA content rebuilt from `data` in ARCO's spelling."""
    record_id, record_type, name, ttl = raw.get("id"), raw.get("type"), raw.get("name"), raw.get("ttl")
    if not (isinstance(record_id, str) and isinstance(record_type, str) and isinstance(name, str) and _is_int(ttl)):
        raise CloudflareUnavailable("Cloudflare answered with a DNS record ARCO cannot read")
    data = _mapping(raw.get("data"))
    content = _content_from_data(record_type, data) or raw.get("content")
    if not isinstance(content, str):
        raise CloudflareUnavailable(f"Cloudflare answered with a {record_type} record {name} without content")
    priority = data.get("priority", raw.get("priority")) if record_type == "SRV" else raw.get("priority")
    return ProviderDnsRecord(
        provider_id=record_id,
        type=record_type,
        name=name,
        content=content,
        ttl=ttl,
        priority=priority if record_type in ("MX", "SRV") and _is_int(priority) else None,
        proxied=raw.get("proxied") is True,
    )


def _content_from_data(record_type: str, data: Mapping[str, Any]) -> str | None:
    if record_type == "SRV":
        weight, port, target = data.get("weight"), data.get("port"), data.get("target")
        if _is_int(weight) and _is_int(port) and isinstance(target, str):
            return f"{weight} {port} {target}"
    if record_type == "CAA":
        flags, tag, value = data.get("flags"), data.get("tag"), data.get("value")
        if _is_int(flags) and isinstance(tag, str) and isinstance(value, str):
            return f'{flags} {tag} "{value}"'
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


def _covers(hosts: object, hostname: str) -> bool:
    if not isinstance(hosts, list):
        return False
    parent = hostname.partition(".")[2]
    for host in (str(host).lower() for host in hosts):
        if host == hostname or (host.startswith("*.") and parent and host[2:] == parent):
            return True
    return False


def _pack_state(pack: Mapping[str, Any]) -> CertificateState:
    # A status this mapping does not know yet is one Cloudflare added since; its statuses that are not a verdict
    # are steps toward issuance, so it reads as pending rather than as a failure nobody declared.
    status = PACK_STATUSES.get(str(pack.get("status")), SslStatus.PENDING)
    certificates = pack.get("certificates")
    expiries = [moment for moment in map(_expiry, certificates if isinstance(certificates, list) else ()) if moment]
    return CertificateState(status, min(expiries, default=None))


def _expiry(certificate: object) -> date | None:
    value = _mapping(certificate).get("expires_on")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None
