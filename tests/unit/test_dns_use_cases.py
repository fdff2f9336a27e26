"""DNS-record use-cases over the memory adapters: validation per domain, the record set, access and the audit."""

from __future__ import annotations

from typing import Any

import pytest

from arco_domain.errors import Conflict, NotFound, ValidationError
from arco_domain.ids import DnsRecordId, DomainId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.audit import AuditEvent
from arco_domain.model.clients import Client
from arco_domain.model.dns import DnsRecord, DnsRecordType
from arco_domain.model.domains import Domain
from arco_domain.model.paging import PageRequest
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.dns import AddDnsRecord, DeleteDnsRecord, ListDnsRecords, UpdateDnsRecord
from arco_domain.use_cases.domains import AddDomain, RemoveDomain
from tests.unit.conftest import World


async def domain_of(world: World, owner: Principal, client: Client, name: str = "example.com") -> Domain:
    return await world.build(AddDomain)(owner, client.id, name=name)


async def add(
    world: World, who: Principal, domain: Domain, type: str, name: str, content: str, **extra: Any
) -> DnsRecord:
    return await world.build(AddDnsRecord)(
        who, domain.client_id, domain.id, type=type, name=name, content=content, **extra
    )


async def records_of(world: World, domain: Domain) -> list[DnsRecord]:
    async with world.uow(DataScope.of_client(domain.client_id)) as uow:
        return list(await uow.dns_records.list_for_domain(domain.client_id, domain.id))


async def audit_of(world: World, domain: Domain) -> list[AuditEvent]:
    async with world.uow(DataScope.of_client(domain.client_id)) as uow:
        return [e for e in await uow.audit.list_recent(domain.client_id, limit=50) if e.action.startswith("dns_")]


async def the_event(world: World, domain: Domain, action: str) -> AuditEvent:
    [event] = [e for e in await audit_of(world, domain) if e.action == action]
    return event


async def pro_client(world: World, email: str = "owner@example.com") -> tuple[Client, Principal]:
    client, owner = await world.register(email)
    await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
    return client, owner


class TestAddDnsRecord:
    async def test_a_record_is_stored_in_canonical_form_relative_to_its_domain(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "aaaa", "WWW.Example.com.", "2001:0db8:0000::0001", ttl=300)
        assert (record.type, record.name, record.content, record.ttl) == (DnsRecordType.AAAA, "www", "2001:db8::1", 300)
        assert (record.client_id, record.domain_id, record.created_at) == (client.id, domain.id, world.clock.now())
        assert await records_of(world, domain) == [record]

    async def test_adding_a_record_is_audited_with_nothing_before_and_the_record_after(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "MX", "@", "Mail.Example.net", priority=10)
        [event] = await audit_of(world, domain)
        assert (event.action, event.actor_id, event.client_id) == ("dns_record.add", owner.user_id, client.id)
        assert event.details == {
            "domain_id": str(domain.id), "domain": "example.com", "record_id": str(record.id), "before": None,
            "after": {"type": "MX", "name": "@", "content": "mail.example.net", "ttl": 1, "priority": 10,
                      "proxied": False},
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("type", "name", "content", "extra", "field"),
        [
            ("A", "www", "not-an-address", {}, "content"),
            ("MX", "@", "mail.example.net", {}, "priority"),
            ("A", "www", "192.0.2.1", {"ttl": 30}, "ttl"),
            ("TXT", "www", "hello", {"proxied": True}, "proxied"),
            ("SPF", "www", "v=spf1 -all", {}, "type"),
            ("A", "other.example.org.", "192.0.2.1", {}, "name"),
            ("CNAME", "@", "target.example.net", {}, "name"),
        ],
    )
    async def test_a_record_breaking_its_types_rules_is_refused_naming_the_field(
        self, world: World, type: str, name: str, content: str, extra: dict[str, Any], field: str
    ) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        with pytest.raises(ValidationError) as refused:
            await add(world, owner, domain, type, name, content, **extra)
        assert refused.value.field == field
        assert await records_of(world, domain) == []
        assert await audit_of(world, domain) == []

    async def test_a_cname_cannot_share_its_name_with_another_record(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        address = await add(world, owner, domain, "A", "www", "192.0.2.1")
        with pytest.raises(Conflict, match="CNAME"):
            await add(world, owner, domain, "CNAME", "www", "site.example.net")
        assert await records_of(world, domain) == [address]

    async def test_an_exact_duplicate_is_a_conflict(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        first = await add(world, owner, domain, "A", "www", "192.0.2.1")
        with pytest.raises(Conflict):
            await add(world, owner, domain, "a", "www.example.com", "192.0.2.1")
        assert await records_of(world, domain) == [first]

    async def test_the_same_record_may_sit_under_two_domains(self, world: World) -> None:
        client, owner = await pro_client(world)
        first, second = await domain_of(world, owner, client), await domain_of(world, owner, client, "example.org")
        await add(world, owner, first, "CNAME", "www", "site.example.net")
        await add(world, owner, second, "CNAME", "www", "site.example.net")
        assert [r.content for r in await records_of(world, second)] == ["site.example.net"]

    async def test_a_record_on_another_clients_domain_is_not_found(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        intruder_client, intruder = await world.register("intruder@example.org")
        for target in (intruder_client.id, client.id):
            with pytest.raises(NotFound):
                await world.build(AddDnsRecord)(intruder, target, domain.id, type="A", name="x", content="192.0.2.9")
        assert await records_of(world, domain) == []

    async def test_staff_may_add_a_record_for_any_client_and_are_named_in_the_audit(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        staff = world.staff()
        record = await add(world, staff, domain, "TXT", "_acme-challenge", "token-123")
        assert await records_of(world, domain) == [record]
        assert [e.actor_id for e in await audit_of(world, domain)] == [staff.user_id]


class TestUpdateDnsRecord:
    async def test_a_changed_field_is_stored_and_the_rest_kept_with_before_and_after_audited(
        self, world: World
    ) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "A", "www", "192.0.2.1", ttl=300, proxied=True)
        edited = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, content="198.51.100.2")
        assert (edited.id, edited.name, edited.content, edited.ttl, edited.proxied, edited.created_at) == (
            record.id, "www", "198.51.100.2", 300, True, record.created_at,
        )  # fmt: skip
        assert await records_of(world, domain) == [edited]
        latest = await the_event(world, domain, "dns_record.update")
        assert (latest.actor_id, latest.details["record_id"]) == (owner.user_id, str(record.id))
        assert latest.details["before"] == {
            "type": "A", "name": "www", "content": "192.0.2.1", "ttl": 300, "priority": None, "proxied": True,
        }  # fmt: skip
        assert latest.details["after"] == {
            "type": "A", "name": "www", "content": "198.51.100.2", "ttl": 300, "priority": None, "proxied": True,
        }  # fmt: skip

    async def test_an_mx_priority_and_name_can_change(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "MX", "@", "mail.example.net", priority=10)
        edited = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, name="lists", priority=20)
        assert (edited.name, edited.priority, edited.content) == ("lists", 20, "mail.example.net")

    async def test_a_kept_name_that_ends_like_the_zone_keeps_its_meaning(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        # "example.com.example.com" is stored relative as "example.com", which on its own would read as the apex.
        record = await add(world, owner, domain, "A", "example.com.example.com.", "192.0.2.1")
        assert record.name == "example.com"
        edited = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, ttl=600)
        assert (edited.name, edited.ttl) == ("example.com", 600)

    async def test_a_record_is_not_a_duplicate_of_itself(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "CNAME", "www", "site.example.net")
        edited = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, proxied=True)
        assert edited.proxied is True
        assert await records_of(world, domain) == [edited]

    async def test_an_update_that_clashes_with_another_record_is_a_conflict_and_changes_nothing(
        self, world: World
    ) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        address = await add(world, owner, domain, "A", "www", "192.0.2.1")
        alias = await add(world, owner, domain, "CNAME", "shop", "site.example.net")
        with pytest.raises(Conflict):
            await world.build(UpdateDnsRecord)(owner, client.id, domain.id, alias.id, name="www")
        assert await records_of(world, domain) == [address, alias]

    async def test_an_invalid_value_is_refused_naming_the_field_and_changes_nothing(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "A", "www", "192.0.2.1")
        with pytest.raises(ValidationError) as refused:
            await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, priority=5)
        assert refused.value.field == "priority"
        assert await records_of(world, domain) == [record]
        assert [e.action for e in await audit_of(world, domain)] == ["dns_record.add"]

    async def test_a_record_addressed_under_another_of_the_clients_domains_is_not_found(self, world: World) -> None:
        client, owner = await pro_client(world)
        home, other = await domain_of(world, owner, client), await domain_of(world, owner, client, "example.org")
        record = await add(world, owner, home, "A", "www", "192.0.2.1")
        with pytest.raises(NotFound):
            await world.build(UpdateDnsRecord)(owner, client.id, other.id, record.id, content="198.51.100.2")
        assert await records_of(world, home) == [record]

    async def test_another_clients_record_is_not_found_and_unchanged(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "A", "www", "192.0.2.1")
        intruder_client, intruder = await world.register("intruder@example.org")
        for target in (intruder_client.id, client.id):
            with pytest.raises(NotFound):
                await world.build(UpdateDnsRecord)(intruder, target, domain.id, record.id, content="203.0.113.6")
        assert await records_of(world, domain) == [record]


class TestDeleteDnsRecord:
    async def test_a_deleted_record_is_gone_and_audited_with_what_it_was(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "A", "www", "192.0.2.1")
        await world.build(DeleteDnsRecord)(owner, client.id, domain.id, record.id)
        assert await records_of(world, domain) == []
        latest = await the_event(world, domain, "dns_record.delete")
        assert (latest.details["record_id"], latest.details["after"]) == (str(record.id), None)
        assert latest.details["before"] == {
            "type": "A", "name": "www", "content": "192.0.2.1", "ttl": 1, "priority": None, "proxied": False,
        }  # fmt: skip

    async def test_a_record_addressed_under_another_domain_is_not_found_and_kept(self, world: World) -> None:
        client, owner = await pro_client(world)
        home, other = await domain_of(world, owner, client), await domain_of(world, owner, client, "example.org")
        record = await add(world, owner, home, "A", "www", "192.0.2.1")
        with pytest.raises(NotFound):
            await world.build(DeleteDnsRecord)(owner, client.id, other.id, record.id)
        assert await records_of(world, home) == [record]

    async def test_deleting_a_record_that_does_not_exist_is_not_found(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        with pytest.raises(NotFound):
            await world.build(DeleteDnsRecord)(owner, client.id, domain.id, DnsRecordId(world.ids.new_id()))

    async def test_another_clients_record_is_not_found_and_kept(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        record = await add(world, owner, domain, "A", "www", "192.0.2.1")
        intruder_client, intruder = await world.register("intruder@example.org")
        for target in (intruder_client.id, client.id):
            with pytest.raises(NotFound):
                await world.build(DeleteDnsRecord)(intruder, target, domain.id, record.id)
        assert await records_of(world, domain) == [record]


class TestListDnsRecords:
    async def test_a_domains_records_are_listed_a_page_at_a_time(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        added = [await add(world, owner, domain, "A", f"host{n}", "192.0.2.1") for n in range(3)]
        list_records = world.build(ListDnsRecords)
        first = await list_records(owner, client.id, domain.id, PageRequest(limit=2))
        assert list(first.items) == added[:2]
        rest = await list_records(owner, client.id, domain.id, PageRequest(limit=2, after=first.next_after))
        assert (list(rest.items), rest.next_after) == (added[2:], None)

    async def test_the_records_of_an_unknown_or_foreign_domain_are_not_found(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        await add(world, owner, domain, "A", "www", "192.0.2.1")
        intruder_client, intruder = await world.register("intruder@example.org")
        list_records = world.build(ListDnsRecords)
        with pytest.raises(NotFound):
            await list_records(intruder, intruder_client.id, domain.id, PageRequest())
        with pytest.raises(NotFound):
            await list_records(intruder, client.id, domain.id, PageRequest())
        with pytest.raises(NotFound):
            await list_records(owner, client.id, DomainId(world.ids.new_id()), PageRequest())

    async def test_removing_a_domain_takes_its_records_with_it(self, world: World) -> None:
        client, owner = await world.register()
        domain = await domain_of(world, owner, client)
        await add(world, owner, domain, "A", "www", "192.0.2.1")
        await world.build(RemoveDomain)(owner, client.id, domain.id)
        assert await records_of(world, domain) == []
        again = await domain_of(world, owner, client)
        assert (await world.build(ListDnsRecords)(owner, client.id, again.id, PageRequest())).items == []
