"""Domains and their DNS records over HTTP."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.postgres.sandbox_dns import PostgresSandboxDnsStore
from arco_adapters.system import SystemClock
from arco_domain.model.dns import DnsRecordSpec, DnsRecordType
from arco_ports.dns import DnsProvider
from tests.integration.http.conftest import Account


def fresh_name(stem: str = "site") -> str:
    # Domain names are unique across clients, and the module's tests share one database.
    return f"{stem}-{uuid4().hex[:10]}.com.br"


async def add_domain(api: AsyncTestClient[Any], account: Account, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/domains", json={"name": fresh_name(), **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_record(
    api: AsyncTestClient[Any], account: Account, domain: dict[str, Any], **body: Any
) -> dict[str, Any]:
    record = {"type": "A", "name": "www", "content": "192.0.2.10", **body}
    response = await api.post(f"/v1/domains/{domain['id']}/dns-records", json=record, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def records_of(api: AsyncTestClient[Any], account: Account, domain: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/domains/{domain['id']}/dns-records", headers=account.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def create_project(api: AsyncTestClient[Any], account: Account) -> dict[str, Any]:
    response = await api.post("/v1/projects", json={"name": "Website"}, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


class TestDomains:
    async def test_a_domain_is_added_read_attached_detached_and_removed(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        tag = uuid4().hex[:8]
        domain = await add_domain(api, alice, name=f"Café{tag}.Example.COM.")
        assert domain["name"] == f"café{tag}".encode("idna").decode() + ".example.com"
        assert (domain["status"], domain["ssl_status"], domain["project_id"]) == ("pending", "pending", None)
        path = f"/v1/domains/{domain['id']}"
        assert (await api.get(path, headers=alice.headers)).json() == domain
        assert (await api.get("/v1/domains", headers=alice.headers)).json() == {"items": [domain], "next_cursor": None}

        project = await create_project(api, alice)
        attached = await api.patch(path, json={"project_id": project["id"]}, headers=alice.headers)
        assert attached.status_code == 200, attached.text
        assert attached.json() == {**domain, "project_id": project["id"]}
        detached = await api.patch(path, json={"project_id": None}, headers=alice.headers)
        assert detached.json() == domain

        assert (await api.delete(path, headers=alice.headers)).status_code == 204
        assert_problem(await api.get(path, headers=alice.headers), 404)
        assert (await api.get("/v1/domains", headers=alice.headers)).json()["items"] == []
        usage = (await api.get("/v1/usage", headers=alice.headers)).json()["quotas"]
        assert next(q for q in usage if q["resource"] == "domains")["used"] == 0

    async def test_a_domain_may_be_added_under_a_project(self, api: AsyncTestClient[Any], alice: Account) -> None:
        project = await create_project(api, alice)
        domain = await add_domain(api, alice, project_id=project["id"])
        assert domain["project_id"] == project["id"]

    async def test_the_free_tier_holds_one_domain_and_a_refusal_writes_nothing(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        first = await add_domain(api, alice)
        refused = await api.post("/v1/domains", json={"name": fresh_name()}, headers=alice.headers)
        problem = assert_problem(refused, 409)
        assert problem["type"].endswith("/quota-exceeded")
        assert (problem["resource"], problem["limit"], problem["used"], problem["requested"]) == ("domains", 1, 1, 1)
        assert (await api.get("/v1/domains", headers=alice.headers)).json()["items"] == [first]

    async def test_removing_a_domain_frees_its_seat(self, api: AsyncTestClient[Any], alice: Account) -> None:
        first = await add_domain(api, alice)
        assert (await api.delete(f"/v1/domains/{first['id']}", headers=alice.headers)).status_code == 204
        second = await add_domain(api, alice)
        assert [d["id"] for d in (await api.get("/v1/domains", headers=alice.headers)).json()["items"]] == [
            second["id"]
        ]

    async def test_a_name_another_client_manages_is_a_conflict(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        taken = await add_domain(api, alice)
        refused = await api.post("/v1/domains", json={"name": taken["name"].upper()}, headers=bob.headers)
        assert assert_problem(refused, 409)["type"].endswith("/conflict")
        assert (await api.get("/v1/domains", headers=bob.headers)).json()["items"] == []
        usage = (await api.get("/v1/usage", headers=bob.headers)).json()["quotas"]
        assert next(q for q in usage if q["resource"] == "domains")["used"] == 0

    @pytest.mark.parametrize(
        "name",
        ["exa mple.com", "localhost", "-dash.com", "example.123", "a..b.com", f"{'x' * 64}.com"],
        ids=["space", "one label", "leading hyphen", "numeric tld", "empty label", "long label"],
    )
    async def test_a_malformed_name_is_refused_naming_the_field(
        self, api: AsyncTestClient[Any], alice: Account, name: str
    ) -> None:
        problem = assert_problem(await api.post("/v1/domains", json={"name": name}, headers=alice.headers), 422)
        assert problem["field"] == "domain_name"
        assert (await api.get("/v1/domains", headers=alice.headers)).json()["items"] == []

    @pytest.mark.parametrize(
        "name", ["metadata.google.internal", "localhost.localdomain", "169.254.169.254.nip.io", "printer.local"]
    )
    async def test_a_reserved_or_internal_name_is_refused_naming_the_field(
        self, api: AsyncTestClient[Any], alice: Account, name: str
    ) -> None:
        problem = assert_problem(await api.post("/v1/domains", json={"name": name}, headers=alice.headers), 422)
        assert problem["field"] == "domain_name"
        assert (await api.get("/v1/domains", headers=alice.headers)).json()["items"] == []

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "acme.com.br", "client_id": "00000000-0000-0000-0000-000000000000"},
            {"name": "acme.com.br", "status": "active"},
            {"name": "acme.com.br", "nameservers": ["ns1.evil.example"]},
            {"name": ""},
            {"name": 42},
            {},
        ],
        ids=["client_id", "status", "nameservers", "empty", "number", "no name"],
    )
    async def test_a_body_with_unknown_or_missing_fields_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any]
    ) -> None:
        assert_problem(await api.post("/v1/domains", json=body, headers=alice.headers), 400)
        assert (await api.get("/v1/domains", headers=alice.headers)).json()["items"] == []

    @pytest.mark.parametrize(
        "body",
        [{}, {"project_id": None, "client_id": "00000000-0000-0000-0000-000000000000"}, {"project_id": "nope"}],
        ids=["empty", "client_id", "not a uuid"],
    )
    async def test_an_update_with_unknown_or_missing_fields_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any]
    ) -> None:
        project = await create_project(api, alice)
        domain = await add_domain(api, alice, project_id=project["id"])
        path = f"/v1/domains/{domain['id']}"
        assert_problem(await api.patch(path, json=body, headers=alice.headers), 400)
        assert (await api.get(path, headers=alice.headers)).json() == domain

    async def test_attaching_a_project_that_does_not_exist_is_not_found(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        domain = await add_domain(api, alice)
        path = f"/v1/domains/{domain['id']}"
        assert_problem(await api.patch(path, json={"project_id": str(uuid4())}, headers=alice.headers), 404)
        assert (await api.get(path, headers=alice.headers)).json()["project_id"] is None

    async def test_every_route_needs_a_token(self, api: AsyncTestClient[Any], alice: Account) -> None:
        domain = await add_domain(api, alice)
        assert_problem(await api.get("/v1/domains"), 401)
        assert_problem(await api.post(f"/v1/domains/{domain['id']}/dns-records", json={}), 401)
        assert await records_of(api, alice, domain) == []


class TestDnsRecords:
    async def test_a_record_is_added_listed_changed_and_deleted(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        domain = await add_domain(api, alice)
        record = await add_record(
            api, alice, domain, type="aaaa", name=f"WWW.{domain['name']}.", content="2001:db8:0::1"
        )
        assert {k: record[k] for k in ("domain_id", "type", "name", "content", "ttl", "priority", "proxied")} == {
            "domain_id": domain["id"], "type": "AAAA", "name": "www", "content": "2001:db8::1", "ttl": 1,
            "priority": None, "proxied": False,
        }  # fmt: skip
        assert await records_of(api, alice, domain) == [record]

        path = f"/v1/domains/{domain['id']}/dns-records/{record['id']}"
        changed = await api.patch(
            path, json={"content": "2001:db8::2", "ttl": 300, "proxied": True}, headers=alice.headers
        )
        assert changed.status_code == 200, changed.text
        assert changed.json() == {**record, "content": "2001:db8::2", "ttl": 300, "proxied": True}
        assert await records_of(api, alice, domain) == [changed.json()]

        assert (await api.delete(path, headers=alice.headers)).status_code == 204
        assert await records_of(api, alice, domain) == []
        assert_problem(await api.delete(path, headers=alice.headers), 404)

    async def test_mail_text_and_service_records_are_accepted(self, api: AsyncTestClient[Any], alice: Account) -> None:
        domain = await add_domain(api, alice)
        mx = await add_record(api, alice, domain, type="MX", name="@", content="mx.example.net", priority=10)
        txt = await add_record(api, alice, domain, type="TXT", name="_dmarc", content="v=DMARC1; p=none")
        srv = await add_record(
            api, alice, domain, type="SRV", name="_sip._tcp", content="5 5060 sip.example.net", priority=1
        )
        caa = await add_record(api, alice, domain, type="CAA", name="@", content='0 ISSUE "letsencrypt.org"')
        assert caa["content"] == '0 issue "letsencrypt.org"'
        assert [r["id"] for r in await records_of(api, alice, domain)] == [mx["id"], txt["id"], srv["id"], caa["id"]]
        moved = await api.patch(
            f"/v1/domains/{domain['id']}/dns-records/{mx['id']}", json={"priority": 20}, headers=alice.headers
        )
        assert (moved.json()["priority"], moved.json()["content"]) == (20, "mx.example.net")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"type": "A", "name": "www", "content": "not-an-address"}, "content"),
            ({"type": "AAAA", "name": "www", "content": "192.0.2.1"}, "content"),
            ({"type": "MX", "name": "@", "content": "mx.example.net"}, "priority"),
            ({"type": "A", "name": "www", "content": "192.0.2.1", "priority": 5}, "priority"),
            ({"type": "A", "name": "www", "content": "192.0.2.1", "ttl": 30}, "ttl"),
            ({"type": "A", "name": "www", "content": "192.0.2.1", "ttl": 86_401}, "ttl"),
            ({"type": "TXT", "name": "www", "content": "hello", "proxied": True}, "proxied"),
            ({"type": "SPF", "name": "www", "content": "v=spf1 -all"}, "type"),
            ({"type": "A", "name": "a..b", "content": "192.0.2.1"}, "name"),
            ({"type": "A", "name": "www.other.example.", "content": "192.0.2.1"}, "name"),
            ({"type": "CNAME", "name": "@", "content": "target.example.net"}, "name"),
            ({"type": "NS", "name": "@", "content": "ns1.example.net"}, "name"),
            ({"type": "CAA", "name": "@", "content": "issue letsencrypt.org"}, "content"),
        ],
        ids=[
            "a not an address",
            "aaaa given ipv4",
            "mx without priority",
            "priority on a",
            "ttl too short",
            "ttl too long",
            "proxied txt",
            "unknown type",
            "empty label",
            "outside the zone",
            "cname at apex",
            "ns at apex",
            "malformed caa",
        ],
    )
    async def test_a_record_breaking_its_types_rules_is_refused_naming_the_field(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any], field: str
    ) -> None:
        domain = await add_domain(api, alice)
        refused = await api.post(f"/v1/domains/{domain['id']}/dns-records", json=body, headers=alice.headers)
        assert assert_problem(refused, 422)["field"] == field
        assert await records_of(api, alice, domain) == []

    async def test_a_bad_change_is_refused_naming_the_field_and_changes_nothing(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        domain = await add_domain(api, alice)
        record = await add_record(api, alice, domain)
        path = f"/v1/domains/{domain['id']}/dns-records/{record['id']}"
        assert assert_problem(await api.patch(path, json={"content": "::1"}, headers=alice.headers), 422)["field"] == (
            "content"
        )
        assert assert_problem(await api.patch(path, json={"ttl": 0}, headers=alice.headers), 422)["field"] == "ttl"
        assert await records_of(api, alice, domain) == [record]

    async def test_a_cname_sharing_a_name_is_a_conflict_on_add_and_on_change(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        domain = await add_domain(api, alice)
        address = await add_record(api, alice, domain, name="www")
        records = f"/v1/domains/{domain['id']}/dns-records"
        alias_body = {"type": "CNAME", "name": "www", "content": "site.example.net"}
        refused = await api.post(records, json=alias_body, headers=alice.headers)
        assert assert_problem(refused, 409)["type"].endswith("/conflict")
        alias = await add_record(api, alice, domain, **{**alias_body, "name": "shop"})
        clash = await api.patch(f"{records}/{alias['id']}", json={"name": "www"}, headers=alice.headers)
        assert_problem(clash, 409)
        assert await records_of(api, alice, domain) == [address, alias]

    async def test_an_exact_duplicate_is_a_conflict(self, api: AsyncTestClient[Any], alice: Account) -> None:
        domain = await add_domain(api, alice)
        first = await add_record(api, alice, domain)
        again = await api.post(
            f"/v1/domains/{domain['id']}/dns-records",
            json={"type": "A", "name": f"www.{domain['name']}", "content": "192.0.2.10"},
            headers=alice.headers,
        )
        assert_problem(again, 409)
        assert await records_of(api, alice, domain) == [first]

    @pytest.mark.parametrize(
        "body",
        [
            {"type": "A", "name": "www", "content": "192.0.2.1", "client_id": "00000000-0000-0000-0000-000000000000"},
            {"type": "A", "name": "www", "content": "192.0.2.1", "domain_id": "00000000-0000-0000-0000-000000000000"},
            {"type": "A", "name": "www", "content": "192.0.2.1", "id": "00000000-0000-0000-0000-000000000000"},
            {"type": "A", "name": "www"},
            {"type": "A", "name": "www", "content": "192.0.2.1", "ttl": "soon"},
            {"type": "A", "name": "", "content": "192.0.2.1"},
        ],
        ids=["client_id", "domain_id", "id", "no content", "ttl as text", "empty name"],
    )
    async def test_a_record_body_with_unknown_or_missing_fields_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any]
    ) -> None:
        domain = await add_domain(api, alice)
        response = await api.post(f"/v1/domains/{domain['id']}/dns-records", json=body, headers=alice.headers)
        assert_problem(response, 400)
        assert await records_of(api, alice, domain) == []

    @pytest.mark.parametrize(
        "body",
        [{"type": "AAAA"}, {"content": "192.0.2.2", "client_id": "00000000-0000-0000-0000-000000000000"}, {"ttl": "x"}],
        ids=["type", "client_id", "ttl as text"],
    )
    async def test_a_change_with_unknown_fields_is_a_bad_request(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any]
    ) -> None:
        domain = await add_domain(api, alice)
        record = await add_record(api, alice, domain)
        path = f"/v1/domains/{domain['id']}/dns-records/{record['id']}"
        assert_problem(await api.patch(path, json=body, headers=alice.headers), 400)
        assert await records_of(api, alice, domain) == [record]

    async def test_records_are_listed_a_page_at_a_time(self, api: AsyncTestClient[Any], alice: Account) -> None:
        domain = await add_domain(api, alice)
        added = [await add_record(api, alice, domain, name=f"host{n}") for n in range(5)]
        path = f"/v1/domains/{domain['id']}/dns-records"
        seen: list[dict[str, Any]] = []
        cursor = ""
        for _ in range(3):
            page = (await api.get(f"{path}?limit=2{cursor}", headers=alice.headers)).json()
            seen += page["items"]
            cursor = f"&cursor={page['next_cursor']}" if page["next_cursor"] else ""
        assert (seen, cursor) == (added, "")
        assert_problem(await api.get(f"{path}?limit=101", headers=alice.headers), 400)

    async def test_removing_a_domain_removes_its_records(self, api: AsyncTestClient[Any], alice: Account) -> None:
        domain = await add_domain(api, alice)
        record = await add_record(api, alice, domain)
        assert (await api.delete(f"/v1/domains/{domain['id']}", headers=alice.headers)).status_code == 204
        assert_problem(await api.get(f"/v1/domains/{domain['id']}/dns-records", headers=alice.headers), 404)
        gone = f"/v1/domains/{domain['id']}/dns-records/{record['id']}"
        assert_problem(await api.patch(gone, json={"ttl": 300}, headers=alice.headers), 404)
        again = await add_domain(api, alice, name=domain["name"])
        assert await records_of(api, alice, again) == []

    async def test_records_of_a_domain_that_does_not_exist_are_not_found(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        path = f"/v1/domains/{uuid4()}/dns-records"
        assert_problem(await api.get(path, headers=alice.headers), 404)
        body = {"type": "A", "name": "www", "content": "192.0.2.1"}
        assert_problem(await api.post(path, json=body, headers=alice.headers), 404)


ISOLATED_ROUTES = [
    ("GET", "/v1/domains/{domain}", None),
    ("PATCH", "/v1/domains/{domain}", {"project_id": None}),
    ("DELETE", "/v1/domains/{domain}", None),
    ("GET", "/v1/domains/{domain}/dns-records", None),
    ("POST", "/v1/domains/{domain}/dns-records", {"type": "A", "name": "evil", "content": "203.0.113.66"}),
    ("PATCH", "/v1/domains/{domain}/dns-records/{record}", {"content": "203.0.113.66"}),
    ("DELETE", "/v1/domains/{domain}/dns-records/{record}", None),
    ("PATCH", "/v1/domains/{own_domain}/dns-records/{record}", {"content": "203.0.113.66"}),
    ("DELETE", "/v1/domains/{own_domain}/dns-records/{record}", None),
    ("POST", "/v1/domains/{domain}/refresh", None),
    ("GET", "/v1/domains/{domain}/dns-drift", None),
    ("POST", "/v1/domains/{domain}/dns-reconciliation", None),
]


@pytest.fixture
def provider(agency_engine: AsyncEngine) -> DnsProvider:
    """The sandbox DNS provider the app uses, reached on the test's own connection, as someone editing the
    zone outside ARCO would."""
    return SandboxDnsProvider(PostgresSandboxDnsStore(agency_engine), clock=SystemClock())


class TestDnsAtTheProvider:
    async def test_a_new_domain_has_its_zone_and_turns_active_once_the_provider_says_so(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        domain = await add_domain(api, alice)
        assert len(domain["nameservers"]) == 2 and all(
            ns.endswith(".ns.cloudflare.com") for ns in domain["nameservers"]
        )
        assert (domain["hostname_status"], domain["status"]) == ("pending", "pending")
        response = await api.post(f"/v1/domains/{domain['id']}/refresh", headers=alice.headers)
        assert response.status_code == 200, response.text
        refreshed = response.json()
        assert (refreshed["hostname_status"], refreshed["status"], refreshed["ssl_status"]) == (
            "active",
            "active",
            "active",
        )
        assert refreshed["ssl_expires_on"] is not None and refreshed["provider_unreachable_since"] is None
        assert (await api.get(f"/v1/domains/{domain['id']}", headers=alice.headers)).json() == refreshed

    async def test_records_live_at_the_provider(
        self, api: AsyncTestClient[Any], alice: Account, provider: DnsProvider
    ) -> None:
        domain = await add_domain(api, alice)
        await add_record(api, alice, domain, type="MX", name="@", content="mx.example.net", priority=10)
        [held] = await provider.list_records(await zone_id_of(provider, domain))
        assert (held.type, held.name, held.content, held.priority) == ("MX", domain["name"], "mx.example.net", 10)

    async def test_changes_made_outside_arco_are_adopted_or_reported_by_the_reconciliation(
        self, api: AsyncTestClient[Any], alice: Account, provider: DnsProvider
    ) -> None:
        domain = await add_domain(api, alice)
        kept = await add_record(api, alice, domain, name="www", content="192.0.2.10")
        gone = await add_record(api, alice, domain, name="shop", content="192.0.2.20")
        zone_id = await zone_id_of(provider, domain)
        by_name = {r.name.split(".")[0]: r for r in await provider.list_records(zone_id)}
        await provider.update_record(
            zone_id, by_name["www"].provider_id, DnsRecordSpec(DnsRecordType.A, "www", "192.0.2.99", 300, None, False)
        )
        await provider.delete_record(zone_id, by_name["shop"].provider_id)

        response = await api.post(f"/v1/domains/{domain['id']}/dns-reconciliation", headers=alice.headers)

        assert response.status_code == 200, response.text
        [drift] = response.json()
        assert (drift["kind"], drift["record_id"], drift["arco"]["content"]) == (
            "missing_at_provider",
            gone["id"],
            "192.0.2.20",
        )
        assert (await api.get(f"/v1/domains/{domain['id']}/dns-drift", headers=alice.headers)).json() == [drift]
        records = {r["id"]: r for r in await records_of(api, alice, domain)}
        assert (records[kept["id"]]["content"], records[kept["id"]]["ttl"]) == ("192.0.2.99", 300)
        assert gone["id"] in records


async def zone_id_of(provider: DnsProvider, domain: dict[str, Any]) -> str:
    zone = await provider.find_zone(domain["name"])
    assert zone is not None
    return zone.provider_id


class TestDomainIsolation:
    @pytest.mark.parametrize(
        ("method", "template", "body"),
        ISOLATED_ROUTES,
        ids=[f"{method} {template}" for method, template, _ in ISOLATED_ROUTES],
    )
    async def test_another_client_gets_not_found_and_changes_nothing(
        self,
        api: AsyncTestClient[Any],
        alice: Account,
        bob: Account,
        method: str,
        template: str,
        body: dict[str, Any] | None,
    ) -> None:
        project = await create_project(api, alice)
        domain = await add_domain(api, alice, project_id=project["id"])
        record = await add_record(api, alice, domain)
        bobs_domain = await add_domain(api, bob)
        path = template.format(domain=domain["id"], record=record["id"], own_domain=bobs_domain["id"])

        response = await api.request(method, path, json=body, headers=bob.headers)

        problem = assert_problem(response, 404)
        assert domain["id"] not in problem["detail"] and record["id"] not in problem["detail"]
        assert (await api.get(f"/v1/domains/{domain['id']}", headers=alice.headers)).json() == domain
        assert await records_of(api, alice, domain) == [record]
        assert await records_of(api, bob, bobs_domain) == []

    async def test_another_clients_domains_are_not_listed(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        await add_domain(api, alice)
        bobs = await add_domain(api, bob)
        assert (await api.get("/v1/domains", headers=bob.headers)).json()["items"] == [bobs]

    async def test_another_clients_project_cannot_be_attached(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        alices_project = await create_project(api, alice)
        refused = await api.post(
            "/v1/domains", json={"name": fresh_name(), "project_id": alices_project["id"]}, headers=bob.headers
        )
        assert_problem(refused, 404)
        assert (await api.get("/v1/domains", headers=bob.headers)).json()["items"] == []
        bobs = await add_domain(api, bob)
        path = f"/v1/domains/{bobs['id']}"
        assert_problem(await api.patch(path, json={"project_id": alices_project["id"]}, headers=bob.headers), 404)
        assert (await api.get(path, headers=bob.headers)).json()["project_id"] is None
