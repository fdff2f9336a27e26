"""`CloudflareDnsProvider` through httpx and HTTP, against a local stub of Cloudflare's API v4.

The stub keeps one account's zones, their DNS records and certificate packs, starting from the answers in
`tests/fixtures/cloudflare/` (Cloudflare's envelope, `{"success", "errors", "messages", "result", "result_info"}`,
around objects shaped as its API documents them). It pages record listings by `page` and `per_page` as Cloudflare
does, builds created records the way Cloudflare renders them (SRV and CAA with their `data`), refuses an identical
record with 81058, and answers a missing record with 81044. Refusals queued with `fail` are served first, in order.
The server records every request.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from arco_adapters.cloudflare.errors import (
    CloudflareAuthError,
    CloudflareConflict,
    CloudflareNotFound,
    CloudflareRateLimited,
    CloudflareUnavailable,
    CloudflareValidationError,
)
from arco_adapters.cloudflare.provider import RATE_LIMIT_WAIT, CloudflareDnsProvider
from arco_adapters.http_retry import RetryPolicy
from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.errors import NotFound, ProviderError, Unavailable, ValidationError
from arco_domain.model.access import DataScope
from arco_domain.model.dns import (
    CertificateState,
    DnsRecordSpec,
    DnsZone,
    DriftKind,
    ProviderDnsRecord,
    validate_dns_record,
)
from arco_domain.model.domains import HostnameStatus, SslStatus
from arco_domain.use_cases.dns import AddDnsRecord, ReconcileDnsRecords, UpdateDnsRecord
from arco_domain.use_cases.domains import AddDomain, RefreshDomainStatus
from arco_ports.dns import DnsProvider
from tests.stub_http import Reply, StubRequest, StubServer, free_port
from tests.unit.conftest import START, World

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudflare"
TOKEN = "cf-test-Zq8x3LmN0pR5tV7wY9aB2cD4eF6gH8jK"
ACCOUNT = "c4a1f0e9d8b7a6c5e4f3a2b1c0d9e8f7"
ZONE_ID = "5c8e0a7f1b2d4e6a9c3f0b1d2e4a6c8f"
ZONE = "example.com"
PREFIX = "/client/v4"
ATTEMPTS = 3


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def envelope(result: object, **result_info: int) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info:
        body["result_info"] = result_info
    return body


def refusal(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}


def spec(
    type: str, name: str, content: str, ttl: int = 1, priority: int | None = None, proxied: bool = False
) -> DnsRecordSpec:
    return validate_dns_record(ZONE, type, name, content, ttl, priority, proxied)


@dataclass
class CloudflareStub:
    """One account at Cloudflare: its zones by id, each zone's records and certificate packs."""

    zones: dict[str, dict[str, Any]] = field(default_factory=lambda: {ZONE_ID: fixture("zone")["result"]})
    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {ZONE_ID: fixture("dns_records")["result"]}
    )
    packs: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {ZONE_ID: fixture("certificate_packs")["result"]}
    )
    queued: deque[Reply] = field(default_factory=deque)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, body: dict[str, Any] | str, **headers: str) -> None:
        self.queued.append(Reply.html(status, body, headers) if isinstance(body, str) else Reply(status, headers, body))

    def answer(self, request: StubRequest) -> Reply:
        with self._lock:
            if self.queued:
                return self.queued.popleft()
            if not request.path.startswith(PREFIX + "/"):
                return Reply(404, {}, refusal(7000, "No route for that URI"))
            return self._route(request.method, request.path.removeprefix(PREFIX), request)

    def _route(self, method: str, path: str, request: StubRequest) -> Reply:
        if path == "/zones":
            return self._find_zones(request) if method == "GET" else self._create_zone(request.json())
        match = re.fullmatch(r"/zones/(\w+)(/dns_records(?:/(\w+))?|/ssl/certificate_packs)?", path)
        if match is None:
            return Reply(404, {}, refusal(7000, "No route for that URI"))
        zone_id, rest, record_id = match.groups()
        if zone_id not in self.zones:
            message = f"Could not route to /zones/{zone_id}, perhaps your object identifier is invalid?"
            return Reply(404, {}, refusal(7003, message))
        if rest is None:
            if method == "DELETE":
                del self.zones[zone_id]
                return Reply(200, {}, envelope({"id": zone_id}))
            return Reply(200, {}, envelope(self.zones[zone_id]))
        if rest.startswith("/ssl"):
            packs = self.packs.get(zone_id, [])
            return Reply(200, {}, envelope(packs, page=1, per_page=20, count=len(packs), total_count=len(packs)))
        if record_id is None:
            return self._list(zone_id, request) if method == "GET" else self._create_record(zone_id, request.json())
        return self._one_record(method, zone_id, record_id, request)

    def _find_zones(self, request: StubRequest) -> Reply:
        names = request.query.get("name", [])
        accounts = request.query.get("account.id", [])
        found = [
            zone
            for zone in self.zones.values()
            if (not names or zone["name"] in names) and (not accounts or zone["account"]["id"] in accounts)
        ]
        return Reply(
            200, {}, envelope(found, page=1, per_page=20, count=len(found), total_count=len(found), total_pages=1)
        )

    def _create_zone(self, body: dict[str, Any]) -> Reply:
        if any(zone["name"] == body["name"] for zone in self.zones.values()):
            return Reply(400, {}, refusal(1061, f"{body['name']} already exists"))
        zone = copy.deepcopy(fixture("zone")["result"])
        zone_id = f"{next(self._ids):032x}"
        zone.update(id=zone_id, name=body["name"], status="pending", activated_on=None, account=body["account"])
        zone["name_servers"] = ["carl.ns.cloudflare.com", "dina.ns.cloudflare.com"]
        self.zones[zone_id] = zone
        return Reply(200, {}, envelope(zone))

    def _list(self, zone_id: str, request: StubRequest) -> Reply:
        per_page = int(request.query.get("per_page", ["100"])[0])
        page = int(request.query.get("page", ["1"])[0])
        everything = self.records.get(zone_id, [])
        batch = everything[(page - 1) * per_page : page * per_page]
        pages = -(-len(everything) // per_page)
        info = {"page": page, "per_page": per_page, "count": len(batch), "total_count": len(everything)}
        return Reply(200, {}, envelope(batch, **info, total_pages=pages))

    def _create_record(self, zone_id: str, body: dict[str, Any]) -> Reply:
        record = self._rendered(zone_id, f"{next(self._ids):032x}", body)
        zone_records = self.records.setdefault(zone_id, [])
        if any(
            (r["type"], r["name"], r["content"]) == (record["type"], record["name"], record["content"])
            for r in zone_records
        ):
            return Reply(400, {}, fixture("error_identical_record"))
        zone_records.append(record)
        return Reply(200, {}, envelope(record))

    def _one_record(self, method: str, zone_id: str, record_id: str, request: StubRequest) -> Reply:
        zone_records = self.records.setdefault(zone_id, [])
        index = next((i for i, r in enumerate(zone_records) if r["id"] == record_id), None)
        if index is None:
            return Reply(404, {}, fixture("error_record_not_found"))
        if method == "DELETE":
            del zone_records[index]
            return Reply(200, {}, envelope({"id": record_id}))
        zone_records[index] = self._rendered(zone_id, record_id, request.json())
        return Reply(200, {}, envelope(zone_records[index]))

    def _rendered(self, zone_id: str, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A record as Cloudflare answers with it, from a create or update request's body."""
        record: dict[str, Any] = copy.deepcopy(fixture("dns_record")["result"])
        kind = body["type"]
        record.update(
            id=record_id,
            zone_id=zone_id,
            zone_name=self.zones[zone_id]["name"],
            type=kind,
            name=body["name"],
            ttl=body.get("ttl", 1),
            proxied=body.get("proxied", False),
            proxiable=kind in ("A", "AAAA", "CNAME"),
        )
        data: dict[str, Any] = body.get("data") or {}
        if kind == "SRV":
            record.update(
                content=f"{data['weight']}\t{data['port']}\t{data['target']}", priority=data["priority"], data=data
            )
        elif kind == "CAA":
            record.update(content=f'{data["flags"]} {data["tag"]} "{data["value"]}"', data=data)
        else:
            record["content"] = body["content"]
            if "priority" in body:
                record["priority"] = body["priority"]
        return record


class Sleeper:
    """Stands in for `asyncio.sleep` between attempts: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def cloudflare() -> CloudflareStub:
    return CloudflareStub()


@pytest.fixture
def served(cloudflare: CloudflareStub) -> Iterator[StubServer]:
    with StubServer(cloudflare.answer) as server:
        yield server


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


def make_provider(base_url: str, sleeper: Sleeper, **options: Any) -> CloudflareDnsProvider:
    settings: dict[str, Any] = {"read_timeout": 5.0, "deadline": 10.0, "records_per_page": 3, **options}
    policy = RetryPolicy(attempts=ATTEMPTS, first_delay=0.01, longest_delay=0.05)
    return CloudflareDnsProvider(TOKEN, ACCOUNT, base_url=base_url, retry=policy, sleep=sleeper, **settings)


@pytest.fixture
async def provider(served: StubServer, sleeper: Sleeper) -> AsyncIterator[CloudflareDnsProvider]:
    real = make_provider(served.url + PREFIX, sleeper)
    yield real
    await real.aclose()


def calls(server: StubServer) -> list[tuple[str, str]]:
    return [(request.method, request.path.removeprefix(PREFIX)) for request in server.requests]


class TestCloudflareDnsProviderConstruction:
    @pytest.mark.parametrize(("token", "account"), [("", ACCOUNT), (TOKEN, "")])
    def test_a_provider_needs_a_token_and_an_account(self, token: str, account: str) -> None:
        with pytest.raises(ValueError, match="API token and an account id"):
            CloudflareDnsProvider(token, account)

    async def test_every_request_carries_the_token_as_a_bearer_under_the_api_prefix(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        port: DnsProvider = provider
        await port.zone(ZONE_ID)
        await port.list_records(ZONE_ID)
        assert {request.headers["authorization"] for request in served.requests} == {f"Bearer {TOKEN}"}
        assert all(request.path.startswith(PREFIX + "/zones/") for request in served.requests)


class TestZones:
    async def test_finding_a_zone_asks_for_its_name_within_the_account(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        zone = await provider.find_zone(ZONE)
        assert zone == DnsZone(ZONE_ID, ZONE, ("ada.ns.cloudflare.com", "bob.ns.cloudflare.com"), HostnameStatus.ACTIVE)
        [request] = served.requests
        assert (request.method, request.path) == ("GET", PREFIX + "/zones")
        assert request.query == {"name": [ZONE], "account.id": [ACCOUNT]}

    async def test_a_zone_the_account_does_not_hold_is_none(self, provider: CloudflareDnsProvider) -> None:
        assert await provider.find_zone("elsewhere.org") is None

    async def test_creating_a_zone_sends_its_name_the_account_and_a_full_setup(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        zone = await provider.create_zone("new-client.fr")
        [request] = served.requests
        assert (request.method, request.path) == ("POST", PREFIX + "/zones")
        assert request.json() == {"name": "new-client.fr", "account": {"id": ACCOUNT}, "type": "full"}
        assert (zone.name, zone.status) == ("new-client.fr", HostnameStatus.PENDING)
        assert zone.nameservers == ("carl.ns.cloudflare.com", "dina.ns.cloudflare.com")

    async def test_creating_a_zone_cloudflare_already_has_is_a_conflict(self, provider: CloudflareDnsProvider) -> None:
        with pytest.raises(CloudflareConflict, match="already exists") as refused:
            await provider.create_zone(ZONE)
        assert refused.value.codes == (1061,)

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("initializing", HostnameStatus.PENDING),
            ("pending", HostnameStatus.PENDING),
            ("active", HostnameStatus.ACTIVE),
            ("moved", HostnameStatus.MOVED),
        ],
    )
    async def test_a_zones_status_reads_as_the_hostname_status(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, status: str, expected: HostnameStatus
    ) -> None:
        cloudflare.zones[ZONE_ID]["status"] = status
        zone = await provider.zone(ZONE_ID)
        assert (zone.status, zone.nameservers) == (expected, ("ada.ns.cloudflare.com", "bob.ns.cloudflare.com"))

    async def test_a_zone_status_nobody_documented_is_an_unreadable_answer(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.zones[ZONE_ID]["status"] = "hibernating"
        with pytest.raises(CloudflareUnavailable, match="hibernating"):
            await provider.zone(ZONE_ID)

    async def test_a_missing_zone_is_not_found(self, provider: CloudflareDnsProvider) -> None:
        with pytest.raises(CloudflareNotFound) as refused:
            await provider.zone("0000000000000000000000000000dead")
        assert refused.value.facts() == {"kind": "zone", "key": "0000000000000000000000000000dead"}
        assert refused.value.codes == (7003,)

    async def test_deleting_a_zone_removes_it_and_deleting_it_again_succeeds(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer
    ) -> None:
        await provider.delete_zone(ZONE_ID)
        await provider.delete_zone(ZONE_ID)
        assert ZONE_ID not in cloudflare.zones
        assert calls(served) == [("DELETE", f"/zones/{ZONE_ID}")] * 2


class TestRecordListing:
    async def test_every_page_is_read_asking_for_each_page_in_turn(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        records = await provider.list_records(ZONE_ID)
        assert [record.type for record in records] == ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"]
        assert [(request.query["page"], request.query["per_page"]) for request in served.requests] == [
            (["1"], ["3"]),
            (["2"], ["3"]),
            (["3"], ["3"]),
        ]

    async def test_pages_are_followed_by_the_total_count_when_the_page_count_is_missing(
        self, provider: CloudflareDnsProvider, served: StubServer, cloudflare: CloudflareStub
    ) -> None:
        full = fixture("dns_records")["result"]
        for page, batch in enumerate((full[:3], full[3:6], full[6:]), start=1):
            cloudflare.fail(200, envelope(batch, page=page, per_page=3, count=len(batch), total_count=len(full)))
        assert len(await provider.list_records(ZONE_ID)) == len(full)
        assert len(served.requests) == 3

    async def test_records_come_back_fully_qualified_with_their_priority_and_proxy_flag(
        self, provider: CloudflareDnsProvider
    ) -> None:
        records = {record.type: record for record in await provider.list_records(ZONE_ID)}
        assert records["A"] == ProviderDnsRecord(
            "a1f3c5e7092b4d6f8a0c2e4f6b8d0a12", "A", ZONE, "203.0.113.10", 1, None, True
        )
        assert records["CNAME"].name == "www.example.com"
        assert (records["MX"].priority, records["MX"].ttl, records["MX"].proxied) == (10, 3600, False)
        assert records["TXT"].content == "v=spf1 include:_spf.example.net ~all"

    async def test_srv_and_caa_content_is_rebuilt_from_their_data_in_arcos_spelling(
        self, provider: CloudflareDnsProvider
    ) -> None:
        records = {record.type: record for record in await provider.list_records(ZONE_ID)}
        srv, caa = records["SRV"], records["CAA"]
        assert (srv.name, srv.content, srv.priority) == ("_sip._tcp.example.com", "5 5060 sip.example.com", 10)
        assert caa.content == '0 issue "letsencrypt.org"'
        assert srv.spec_in(ZONE) == spec("SRV", "_sip._tcp", "5 5060 sip.example.com", 3600, 10)
        assert caa.spec_in(ZONE) == spec("CAA", "@", '0 issue "letsencrypt.org"')

    async def test_an_empty_zone_has_no_records(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.records[ZONE_ID] = []
        assert await provider.list_records(ZONE_ID) == []

    async def test_a_record_without_an_id_is_an_unreadable_answer(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        del cloudflare.records[ZONE_ID][0]["id"]
        with pytest.raises(CloudflareUnavailable, match="cannot read"):
            await provider.list_records(ZONE_ID)


class TestRecordChanges:
    async def test_a_record_goes_out_fully_qualified_with_its_proxy_flag(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        created = await provider.create_record(ZONE_ID, spec("A", "shop", "198.51.100.24", proxied=True))
        create = served.requests[-1]
        assert (create.method, create.path) == ("POST", f"{PREFIX}/zones/{ZONE_ID}/dns_records")
        assert create.headers["authorization"] == f"Bearer {TOKEN}"
        assert create.json() == {
            "type": "A",
            "name": "shop.example.com",
            "ttl": 1,
            "content": "198.51.100.24",
            "proxied": True,
        }
        assert (created.name, created.content, created.proxied) == ("shop.example.com", "198.51.100.24", True)

    async def test_an_apex_record_is_named_after_the_zone(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        await provider.create_record(ZONE_ID, spec("AAAA", "@", "2001:db8::24", ttl=300))
        assert served.requests[-1].json()["name"] == ZONE

    async def test_an_mx_record_carries_its_priority_and_no_proxy_flag(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        created = await provider.create_record(ZONE_ID, spec("MX", "@", "mx.mail.example.net", 3600, priority=20))
        assert served.requests[-1].json() == {
            "type": "MX",
            "name": ZONE,
            "ttl": 3600,
            "content": "mx.mail.example.net",
            "priority": 20,
        }
        assert (created.priority, created.proxied) == (20, False)

    async def test_an_srv_record_goes_out_as_data(self, provider: CloudflareDnsProvider, served: StubServer) -> None:
        created = await provider.create_record(ZONE_ID, spec("SRV", "_imaps._tcp", "0 993 imap.example.net", 300, 5))
        assert served.requests[-1].json() == {
            "type": "SRV",
            "name": "_imaps._tcp.example.com",
            "ttl": 300,
            "data": {"priority": 5, "weight": 0, "port": 993, "target": "imap.example.net"},
        }
        assert (created.content, created.priority) == ("0 993 imap.example.net", 5)

    async def test_a_caa_record_goes_out_as_data(self, provider: CloudflareDnsProvider, served: StubServer) -> None:
        created = await provider.create_record(ZONE_ID, spec("CAA", "@", '128 iodef "mailto:security@example.com"'))
        assert served.requests[-1].json() == {
            "type": "CAA",
            "name": ZONE,
            "ttl": 1,
            "data": {"flags": 128, "tag": "iodef", "value": "mailto:security@example.com"},
        }
        assert created.content == '128 iodef "mailto:security@example.com"'

    async def test_the_zones_name_is_asked_once_for_all_its_records(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        await provider.create_record(ZONE_ID, spec("A", "one", "198.51.100.1"))
        await provider.create_record(ZONE_ID, spec("A", "two", "198.51.100.2"))
        assert calls(served) == [
            ("GET", f"/zones/{ZONE_ID}"),
            ("POST", f"/zones/{ZONE_ID}/dns_records"),
            ("POST", f"/zones/{ZONE_ID}/dns_records"),
        ]

    async def test_a_record_in_a_missing_zone_is_not_found(self, provider: CloudflareDnsProvider) -> None:
        with pytest.raises(CloudflareNotFound) as refused:
            await provider.create_record("0000000000000000000000000000dead", spec("A", "www", "198.51.100.1"))
        assert refused.value.kind == "zone"

    async def test_an_update_overwrites_the_whole_record(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        mx_id = "d4a6f8102b5e7a9c1d3f5b7c9e1a3d45"
        updated = await provider.update_record(ZONE_ID, mx_id, spec("MX", "@", "mx2.example.net", 300, priority=30))
        update = served.requests[-1]
        assert (update.method, update.path) == ("PUT", f"{PREFIX}/zones/{ZONE_ID}/dns_records/{mx_id}")
        assert update.json() == {"type": "MX", "name": ZONE, "ttl": 300, "content": "mx2.example.net", "priority": 30}
        assert updated == ProviderDnsRecord(mx_id, "MX", ZONE, "mx2.example.net", 300, 30, False)

    async def test_updating_a_missing_record_is_not_found(self, provider: CloudflareDnsProvider) -> None:
        with pytest.raises(CloudflareNotFound) as refused:
            await provider.update_record(ZONE_ID, "ffffffffffffffffffffffffffffffff", spec("A", "www", "198.51.100.9"))
        assert refused.value.facts() == {"kind": "dns_record", "key": "ffffffffffffffffffffffffffffffff"}
        assert refused.value.codes == (81044,)

    async def test_deleting_a_record_removes_it(
        self, provider: CloudflareDnsProvider, served: StubServer, cloudflare: CloudflareStub
    ) -> None:
        txt_id = "e5b7a9213c6f8b0d2e4a6c8d0f2b4e56"
        await provider.delete_record(ZONE_ID, txt_id)
        assert calls(served) == [("DELETE", f"/zones/{ZONE_ID}/dns_records/{txt_id}")]
        assert txt_id not in {record["id"] for record in cloudflare.records[ZONE_ID]}

    async def test_deleting_a_record_that_is_already_gone_succeeds(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        await provider.delete_record(ZONE_ID, "ffffffffffffffffffffffffffffffff")
        assert len(served.requests) == 1


class TestCertificates:
    async def test_the_packs_of_every_status_are_asked_for(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        await provider.certificate(ZONE_ID, "www.example.com")
        [request] = served.requests
        assert request.path == f"{PREFIX}/zones/{ZONE_ID}/ssl/certificate_packs"
        assert request.query["status"] == ["all"]

    @pytest.mark.parametrize("hostname", ["example.com", "www.example.com", "WWW.Example.com."])
    async def test_an_active_pack_covering_the_hostname_gives_its_earliest_expiry(
        self, provider: CloudflareDnsProvider, hostname: str
    ) -> None:
        state = await provider.certificate(ZONE_ID, hostname)
        assert state == CertificateState(SslStatus.ACTIVE, date(2026, 5, 10))

    async def test_a_wildcard_covers_one_label_only(self, provider: CloudflareDnsProvider) -> None:
        assert await provider.certificate(ZONE_ID, "a.b.example.com") == CertificateState(SslStatus.NONE, None)

    async def test_the_pack_covering_a_deeper_hostname_decides(self, provider: CloudflareDnsProvider) -> None:
        state = await provider.certificate(ZONE_ID, "eu.shop.example.com")
        assert state == CertificateState(SslStatus.PENDING, None)

    @pytest.mark.parametrize(
        "status", ["initializing", "pending_validation", "pending_issuance", "pending_deployment", "holding_deployment"]
    )
    async def test_a_pack_on_its_way_to_issuance_is_pending(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, status: str
    ) -> None:
        cloudflare.packs[ZONE_ID][0]["status"] = status
        assert (await provider.certificate(ZONE_ID, "www.example.com")).status is SslStatus.PENDING

    @pytest.mark.parametrize(
        "status", ["validation_timed_out", "issuance_timed_out", "deployment_timed_out", "deleted", "inactive"]
    )
    async def test_a_pack_whose_issuance_timed_out_or_that_was_removed_has_failed(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, status: str
    ) -> None:
        cloudflare.packs[ZONE_ID][0]["status"] = status
        assert (await provider.certificate(ZONE_ID, "www.example.com")).status is SslStatus.FAILED

    async def test_an_expired_pack_keeps_its_expiry(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.packs[ZONE_ID][0]["status"] = "expired"
        assert await provider.certificate(ZONE_ID, "www.example.com") == CertificateState(
            SslStatus.EXPIRED, date(2026, 5, 10)
        )

    async def test_an_active_pack_wins_over_a_failed_one_for_the_same_hostname(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        failed = copy.deepcopy(cloudflare.packs[ZONE_ID][0])
        failed.update(id="0f0f0f0f-0000-4000-8000-0f0f0f0f0f0f", status="validation_timed_out", certificates=[])
        cloudflare.packs[ZONE_ID].insert(0, failed)
        assert (await provider.certificate(ZONE_ID, "www.example.com")).status is SslStatus.ACTIVE

    async def test_a_hostname_no_pack_covers_has_no_certificate(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        assert await provider.certificate(ZONE_ID, "other.org") == CertificateState(SslStatus.NONE, None)
        cloudflare.packs[ZONE_ID] = []
        assert await provider.certificate(ZONE_ID, ZONE) == CertificateState(SslStatus.NONE, None)


class TestRefusals:
    async def test_an_identical_record_is_a_conflict_and_not_tried_again(
        self, provider: CloudflareDnsProvider, served: StubServer
    ) -> None:
        await provider.zone(ZONE_ID)
        with pytest.raises(CloudflareConflict, match="identical record") as refused:
            await provider.create_record(ZONE_ID, spec("A", "@", "203.0.113.10", proxied=True))
        assert refused.value.codes == (81058,)
        assert calls(served)[1:] == [("POST", f"/zones/{ZONE_ID}/dns_records")]

    async def test_a_dns_validation_error_names_the_field_from_its_error_chain(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.fail(400, fixture("error_dns_validation"))
        with pytest.raises(CloudflareValidationError, match="valid IPv4") as refused:
            await provider.zone(ZONE_ID)
        assert (refused.value.field, refused.value.codes) == ("content", (1004, 9005))

    @pytest.mark.parametrize(
        ("code", "message", "field"),
        [
            (9005, "Content for A record must be a valid IPv4 address.", "content"),
            (9000, "DNS name is invalid.", "name"),
            (9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.", "ttl"),
            (9100, "priority is a required field.", "priority"),
            (9004, "This record type cannot be proxied.", "proxied"),
            (1004, "DNS Validation Error", None),
            (9999, "Something else is wrong with the record.", None),
        ],
    )
    async def test_a_refused_input_is_a_validation_error_naming_the_field_its_code_blames(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, code: int, message: str, field: str | None
    ) -> None:
        cloudflare.fail(400, refusal(code, message))
        with pytest.raises(ValidationError) as refused:
            await provider.create_record(ZONE_ID, spec("A", "www", "198.51.100.1"))
        assert isinstance(refused.value, CloudflareValidationError)
        assert (refused.value.field, refused.value.codes) == (field, (code,))
        assert message in refused.value.detail

    async def test_a_zone_name_cloudflare_refuses_is_a_validation_error_about_the_name(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        message = "Please ensure you are providing the root domain and not any subdomains"
        cloudflare.fail(400, refusal(1099, message))
        with pytest.raises(CloudflareValidationError, match="root domain") as refused:
            await provider.create_zone("shop.example.org")
        assert refused.value.field == "name"

    async def test_a_success_false_on_a_200_with_a_known_code_is_that_refusal(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.fail(200, fixture("error_identical_record"))
        with pytest.raises(CloudflareConflict):
            await provider.zone(ZONE_ID)

    async def test_an_unauthorised_token_is_a_provider_error_asked_once(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer, sleeper: Sleeper
    ) -> None:
        cloudflare.fail(401, fixture("error_authentication"))
        with pytest.raises(ProviderError, match="Authentication error") as refused:
            await provider.list_records(ZONE_ID)
        assert isinstance(refused.value, CloudflareAuthError)
        assert not isinstance(refused.value, Unavailable)
        assert (len(served.requests), sleeper.waits) == (1, [])
        assert TOKEN not in str(refused.value)

    async def test_a_token_without_the_permission_is_an_auth_error(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.fail(403, refusal(9109, "Unauthorized to access requested resource"))
        with pytest.raises(CloudflareAuthError) as refused:
            await provider.certificate(ZONE_ID, ZONE)
        assert refused.value.codes == (9109,)

    async def test_an_answer_that_echoes_the_token_never_carries_it_on(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.fail(400, refusal(6111, f"Invalid format for Authorization header: Bearer {TOKEN}"))
        with pytest.raises(CloudflareAuthError) as refused:
            await provider.zone(ZONE_ID)
        assert TOKEN not in str(refused.value)
        assert "[token]" in refused.value.detail

    async def test_a_not_found_code_on_a_400_is_not_found(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        cloudflare.fail(400, fixture("error_zone_not_found"))
        with pytest.raises(NotFound):
            await provider.zone(ZONE_ID)

    async def test_a_success_false_without_a_known_code_is_unavailable_after_the_retries(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer
    ) -> None:
        for _ in range(ATTEMPTS):
            cloudflare.fail(200, refusal(10013, "An unknown error has occurred"))
        with pytest.raises(CloudflareUnavailable, match="without success"):
            await provider.zone(ZONE_ID)
        assert len(served.requests) == ATTEMPTS


class TestRetries:
    async def test_a_rate_limit_is_waited_out_as_long_as_retry_after_says(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer, sleeper: Sleeper
    ) -> None:
        cloudflare.fail(429, fixture("error_rate_limited"), **{"Retry-After": "7"})
        zone = await provider.zone(ZONE_ID)
        assert zone.provider_id == ZONE_ID
        assert sleeper.waits == [7.0]
        assert len(served.requests) == 2

    async def test_a_rate_limit_without_retry_after_waits_a_minute(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, sleeper: Sleeper
    ) -> None:
        cloudflare.fail(429, fixture("error_rate_limited"))
        await provider.zone(ZONE_ID)
        assert sleeper.waits == [RATE_LIMIT_WAIT]

    async def test_a_rate_limit_asking_for_a_long_wait_ends_the_call_with_its_advice(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer, sleeper: Sleeper
    ) -> None:
        cloudflare.fail(429, fixture("error_rate_limited"), **{"Retry-After": "300"})
        with pytest.raises(CloudflareRateLimited, match="throttling") as refused:
            await provider.zone(ZONE_ID)
        assert refused.value.facts() == {"rate_limited": True, "retry_after": 300.0}
        assert (len(served.requests), sleeper.waits) == (1, [])

    async def test_a_server_error_is_tried_again(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer, sleeper: Sleeper
    ) -> None:
        cloudflare.fail(502, "<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>")
        records = await provider.list_records(ZONE_ID)
        assert len(records) == 7
        assert calls(served)[:2] == [("GET", f"/zones/{ZONE_ID}/dns_records")] * 2
        assert len(sleeper.waits) == 1

    async def test_server_errors_on_every_attempt_are_unavailable(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, served: StubServer
    ) -> None:
        for _ in range(ATTEMPTS):
            cloudflare.fail(500, refusal(10013, "An unknown error has occurred"))
        with pytest.raises(Unavailable, match="unknown error"):
            await provider.zone(ZONE_ID)
        assert len(served.requests) == ATTEMPTS

    async def test_an_answer_that_is_not_json_is_unavailable(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub
    ) -> None:
        for _ in range(ATTEMPTS):
            cloudflare.fail(200, "<html><body>Attention Required!</body></html>")
        with pytest.raises(CloudflareUnavailable, match="not its JSON envelope"):
            await provider.zone(ZONE_ID)

    async def test_answers_slower_than_the_read_timeout_are_unavailable_after_the_retries(
        self, served: StubServer, sleeper: Sleeper
    ) -> None:
        served.delay = 0.5
        slow = make_provider(served.url + PREFIX, sleeper, read_timeout=0.05)
        try:
            started = time.monotonic()
            with pytest.raises(CloudflareUnavailable, match="in time"):
                await slow.zone(ZONE_ID)
            assert time.monotonic() - started < 1.0
            assert (len(served.requests), len(sleeper.waits)) == (ATTEMPTS, ATTEMPTS - 1)
        finally:
            await slow.aclose()

    async def test_the_deadline_bounds_each_attempt(self, served: StubServer, sleeper: Sleeper) -> None:
        served.delay = 0.5
        slow = make_provider(served.url + PREFIX, sleeper, read_timeout=5.0, deadline=0.05)
        try:
            with pytest.raises(CloudflareUnavailable, match="in time"):
                await slow.zone(ZONE_ID)
            assert len(sleeper.waits) == ATTEMPTS - 1
        finally:
            await slow.aclose()

    async def test_a_refused_connection_is_unavailable_after_the_retries(self, sleeper: Sleeper) -> None:
        unreachable = make_provider(f"http://127.0.0.1:{free_port()}{PREFIX}", sleeper, connect_timeout=1.0)
        try:
            with pytest.raises(CloudflareUnavailable, match="cannot be reached") as refused:
                await unreachable.find_zone(ZONE)
            assert TOKEN not in str(refused.value)
            assert len(sleeper.waits) == ATTEMPTS - 1
        finally:
            await unreachable.aclose()


@pytest.fixture
def world() -> World:
    return World(MemoryUnitOfWorkFactory(), ManualClock(START), Uuid7Generator())


class TestDnsUseCasesOnCloudflare:
    """The calls the HTTP API makes in sandbox mode, here through the Cloudflare adapter over the stub."""

    async def test_a_domain_and_its_records_are_managed_at_cloudflare_and_drift_is_found(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, world: World
    ) -> None:
        client, owner = await world.register()
        add_domain = world.build(AddDomain, dns=provider)
        domain = await add_domain(owner, client.id, name="Shop-Example.com.br")
        assert domain.zone_id in cloudflare.zones
        assert domain.nameservers == ("carl.ns.cloudflare.com", "dina.ns.cloudflare.com")
        assert domain.hostname_status is HostnameStatus.PENDING

        add = world.build(AddDnsRecord, dns=provider)
        www = await add(owner, client.id, domain.id, type="A", name="www", content="192.0.2.10", ttl=300)
        await add(owner, client.id, domain.id, type="MX", name="@", content="mx.example.net", priority=10)
        await add(
            owner, client.id, domain.id, type="SRV", name="_sip._tcp", content="5 5060 sip.example.net", priority=1
        )
        await add(owner, client.id, domain.id, type="CAA", name="@", content='0 issue "letsencrypt.org"')
        await world.build(UpdateDnsRecord, dns=provider)(owner, client.id, domain.id, www.id, content="192.0.2.11")
        assert domain.zone_id is not None
        held = {(r["type"], r["name"], r["content"]) for r in cloudflare.records[domain.zone_id]}
        assert ("A", "www.shop-example.com.br", "192.0.2.11") in held
        assert ("CAA", "shop-example.com.br", '0 issue "letsencrypt.org"') in held

        reconcile = world.build(ReconcileDnsRecords, dns=provider)
        assert await reconcile(owner, client.id, domain.id) == ()  # SRV and CAA read back as ARCO wrote them
        cloudflare.records[domain.zone_id] = [r for r in cloudflare.records[domain.zone_id] if r["type"] != "MX"]
        [drift] = await reconcile(owner, client.id, domain.id)
        assert (drift.kind, drift.arco and drift.arco["content"]) == (DriftKind.MISSING_AT_PROVIDER, "mx.example.net")

        refreshed = await world.build(RefreshDomainStatus, dns=provider)(owner, client.id, domain.id)
        assert (refreshed.hostname_status, refreshed.ssl_status) == (HostnameStatus.PENDING, SslStatus.NONE)

    async def test_a_refusal_by_cloudflare_leaves_arco_unchanged(
        self, provider: CloudflareDnsProvider, cloudflare: CloudflareStub, world: World
    ) -> None:
        client, owner = await world.register()
        domain = await world.build(AddDomain, dns=provider)(owner, client.id, name="refused-example.com")
        cloudflare.fail(400, fixture("error_dns_validation"))
        with pytest.raises(CloudflareValidationError):
            await world.build(AddDnsRecord, dns=provider)(
                owner, client.id, domain.id, type="A", name="www", content="192.0.2.10"
            )
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.dns_records.list_for_domain(client.id, domain.id) == []
