"""Domains and DNS records kept at the DNS provider: the order of the writes, undoing them, status reads and
the reconciliation, over the memory adapters and the sandbox provider."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from arco_domain.errors import Conflict, NotFound, Unavailable, ValidationError
from arco_domain.ids import DnsRecordId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client
from arco_domain.model.dns import (
    CertificateState,
    DnsRecord,
    DnsRecordSpec,
    DnsRecordType,
    DnsZone,
    DriftKind,
    ProviderDnsRecord,
)
from arco_domain.model.domains import ClientDomainPolicy, Domain, DomainStatus, HostnameStatus, SslStatus
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.clients import GetUsage
from arco_domain.use_cases.dns import AddDnsRecord, DeleteDnsRecord, GetDnsDrift, ReconcileDnsRecords, UpdateDnsRecord
from arco_domain.use_cases.domains import AddDomain, KeepDomainsInStep, RefreshDomainStatus, RemoveDomain
from arco_ports.dns import DnsProvider
from tests.unit.conftest import World


class Outage:
    """A DNS provider that cannot be reached, for every call or from a chosen one on."""

    def __init__(self, working: DnsProvider, *, failing: Sequence[str]) -> None:
        self._working = working
        self._failing = set(failing)

    def __getattr__(self, name: str) -> Any:
        if name in self._failing:

            async def unreachable(*args: object) -> object:
                raise Unavailable("the DNS provider cannot be reached")

            return unreachable
        return getattr(self._working, name)


class Meddling:
    """A working provider that runs `meanwhile` right after each of its `call`s (creating a record unless told
    otherwise), as a concurrent change would."""

    def __init__(self, working: DnsProvider, meanwhile: Callable[[], Any], call: str = "create_record") -> None:
        self._working = working
        self._meanwhile = meanwhile
        self._call = call

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._working, name)
        if name != self._call:
            return method

        async def meddled(*args: object) -> object:
            answer = await method(*args)
            await self._meanwhile()
            return answer

        return meddled


async def a_domain(world: World, name: str = "example.com") -> tuple[Client, Principal, Domain]:
    client, owner = await world.register(f"owner@{name}")
    return client, owner, await world.build(AddDomain)(owner, client.id, name=name)


async def held(world: World, domain: Domain) -> list[ProviderDnsRecord]:
    assert domain.zone_id is not None
    return list(await world.dns.list_records(domain.zone_id))


async def forget_zone(world: World, domain: Domain) -> None:
    """As for a domain stored before its zone was made (a process stopped between the two steps)."""
    async with world.uow(DataScope.of_client(domain.client_id)) as uow:
        domain.zone_id = None
        await uow.domains.update(domain)
        await uow.commit()


async def audit_actions(world: World, domain: Domain) -> list[str]:
    async with world.uow(DataScope.of_client(domain.client_id)) as uow:
        return [e.action for e in await uow.audit.list_recent(domain.client_id, limit=50) if e.action.startswith("dns")]


class TestAddDomain:
    async def test_the_domain_gets_a_zone_and_the_nameservers_to_set_at_the_registrar(self, world: World) -> None:
        _, _, domain = await a_domain(world)
        zone = await world.dns.find_zone("example.com")
        assert zone is not None
        assert (domain.zone_id, domain.nameservers) == (zone.provider_id, zone.nameservers)
        assert len(domain.nameservers) == 2
        assert domain.provider_checked_at == world.clock.now()

    async def test_a_zone_the_account_already_holds_is_not_handed_to_a_client(self, world: World) -> None:
        await world.dns.create_zone("example.com")
        client, owner = await world.register()
        with pytest.raises(Conflict, match="already holds a zone"):
            await world.build(AddDomain)(owner, client.id, name="example.com")
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.list_for_client(client.id) == []

    async def test_an_unreachable_provider_leaves_no_domain_and_gives_the_quota_back(self, world: World) -> None:
        client, owner = await world.register()
        add = world.build(AddDomain, dns=Outage(world.dns, failing=["find_zone"]))
        with pytest.raises(Unavailable):
            await add(owner, client.id, name="example.com")
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.list_for_client(client.id) == []
        usage = await world.build(GetUsage)(owner, client.id)
        assert [q.used for q in usage if q.resource is Resource.DOMAINS] == [0]

    async def test_removing_the_domain_deletes_its_zone_so_the_name_can_be_added_again(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        await world.build(RemoveDomain)(owner, client.id, domain.id)
        assert await world.dns.find_zone("example.com") is None
        stranger, intruder = await world.register("other@example.org")
        again = await world.build(AddDomain)(intruder, stranger.id, name="example.com")
        assert again.zone_id != domain.zone_id

    async def test_a_zone_the_provider_fails_to_delete_keeps_the_name_from_other_clients(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        await world.build(RemoveDomain, dns=Outage(world.dns, failing=["delete_zone"]))(owner, client.id, domain.id)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.list_for_client(client.id) == []
        stranger, intruder = await world.register("other@example.org")
        with pytest.raises(Conflict):
            await world.build(AddDomain)(intruder, stranger.id, name="example.com")

    @pytest.mark.parametrize("name", ["metadata.google.internal", "localhost.localdomain", "169.254.169.254.nip.io"])
    async def test_an_internal_name_is_refused_and_leaves_nothing_behind(self, world: World, name: str) -> None:
        client, owner = await world.register()
        with pytest.raises(ValidationError) as refused:
            await world.build(AddDomain)(owner, client.id, name=name)
        assert refused.value.field == "domain_name"
        assert await world.dns.find_zone(name) is None
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.domains.list_for_client(client.id) == []
        usage = await world.build(GetUsage)(owner, client.id)
        assert [q.used for q in usage if q.resource is Resource.DOMAINS] == [0]

    async def test_an_example_name_is_added_only_under_a_policy_that_allows_it(self, world: World) -> None:
        client, owner = await world.register()
        with pytest.raises(ValidationError, match="reserved"):
            await world.build(AddDomain)(owner, client.id, name="sul.example")
        demo = world.build(AddDomain, names=ClientDomainPolicy(allow_example=True))
        assert (await demo(owner, client.id, name="sul.example")).name == "sul.example"


class TestRecordsAtTheProvider:
    async def test_an_added_record_is_at_the_provider_and_linked_to_it(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        [remote] = await held(world, domain)
        assert (remote.provider_id, remote.name, remote.content) == (
            record.provider_record_id,
            "www.example.com",
            "192.0.2.1",
        )

    async def test_a_refusal_by_the_provider_stores_nothing(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        add = world.build(AddDnsRecord, dns=Outage(world.dns, failing=["create_record"]))
        with pytest.raises(Unavailable):
            await add(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.dns_records.list_for_domain(client.id, domain.id) == []

    async def test_a_local_write_that_fails_is_undone_at_the_provider(self, world: World) -> None:
        client, owner, domain = await a_domain(world)

        async def a_cname_stored_meanwhile() -> None:
            async with world.uow(DataScope.of_client(client.id)) as uow:
                await uow.dns_records.add(DnsRecord(
                    id=DnsRecordId(world.ids.new_id()), client_id=client.id, domain_id=domain.id,
                    type=DnsRecordType.CNAME, name="www", content="shop.example.net", ttl=1, priority=None,
                    proxied=False, created_at=world.clock.now(),
                ))  # fmt: skip
                await uow.commit()

        add = world.build(AddDnsRecord, dns=Meddling(world.dns, a_cname_stored_meanwhile))
        with pytest.raises(Conflict):
            await add(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert await held(world, domain) == []

    async def test_a_record_a_reconciliation_adopted_meanwhile_is_kept_and_returned(self, world: World) -> None:
        client, owner, domain = await a_domain(world)

        async def reconciled_meanwhile() -> None:
            await world.build(ReconcileDnsRecords)(owner, client.id, domain.id)

        add = world.build(AddDnsRecord, dns=Meddling(world.dns, reconciled_meanwhile))
        record = await add(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        [remote] = await held(world, domain)
        assert record.provider_record_id == remote.provider_id
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert await uow.dns_records.list_for_domain(client.id, domain.id) == [record]

    async def test_an_edit_changes_the_providers_record_in_place(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        edited = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, content="192.0.2.7")
        [remote] = await held(world, domain)
        assert (remote.provider_id, remote.content) == (record.provider_record_id, "192.0.2.7")
        assert edited.provider_record_id == record.provider_record_id

    async def test_an_edit_that_meets_an_edit_made_meanwhile_is_refused_and_both_sides_keep_the_other(
        self, world: World
    ) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")

        async def edited_meanwhile() -> None:
            await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, content="192.0.2.8")

        edit = world.build(UpdateDnsRecord, dns=Meddling(world.dns, edited_meanwhile, call="update_record"))
        with pytest.raises(Conflict, match="changed meanwhile"):
            await edit(owner, client.id, domain.id, record.id, content="192.0.2.7")
        async with world.uow(DataScope.of_client(client.id)) as uow:
            [stored] = await uow.dns_records.list_for_domain(client.id, domain.id)
        [remote] = await held(world, domain)
        assert (stored.content, remote.content) == ("192.0.2.8", "192.0.2.8")

    async def test_a_deleted_record_is_gone_from_the_provider(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(
            owner, client.id, domain.id, type="TXT", name="@", content="v=spf1 -all"
        )
        await world.build(DeleteDnsRecord)(owner, client.id, domain.id, record.id)
        assert await held(world, domain) == []

    async def test_a_record_deleted_at_the_provider_is_put_back_by_saving_it(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert domain.zone_id and record.provider_record_id
        await world.dns.delete_record(domain.zone_id, record.provider_record_id)
        saved = await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, ttl=600)
        [remote] = await held(world, domain)
        assert (remote.provider_id, remote.ttl) == (saved.provider_record_id, 600)
        assert saved.provider_record_id != record.provider_record_id

    async def test_a_second_delete_racing_the_first_is_not_found_and_puts_nothing_back(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")

        class FirstDeleteFinishesMeanwhile:
            def __getattr__(self, name: str) -> Any:
                return getattr(world.dns, name)

            async def delete_record(self, zone_id: str, record_id: str) -> None:
                await world.build(DeleteDnsRecord)(owner, client.id, domain.id, record.id)
                await world.dns.delete_record(zone_id, record_id)

        with pytest.raises(NotFound):
            await world.build(DeleteDnsRecord, dns=FirstDeleteFinishesMeanwhile())(
                owner, client.id, domain.id, record.id
            )
        assert await held(world, domain) == []

    async def test_a_domain_without_a_zone_cannot_take_records_yet(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        await forget_zone(world, domain)
        with pytest.raises(Conflict, match="not set up at the DNS provider"):
            await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="@", content="192.0.2.1")


class TestRefreshDomainStatus:
    async def test_the_zone_and_the_certificate_are_read_from_the_provider(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        refreshed = await world.build(RefreshDomainStatus)(owner, client.id, domain.id)
        assert (refreshed.hostname_status, refreshed.status) == (HostnameStatus.ACTIVE, DomainStatus.ACTIVE)
        assert refreshed.ssl_status is SslStatus.ACTIVE and refreshed.ssl_expires_on is not None
        assert refreshed.provider_unreachable_since is None

    async def test_an_unreachable_provider_marks_nothing_failed(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        before = await world.build(RefreshDomainStatus)(owner, client.id, domain.id)
        world.clock.advance(timedelta(hours=1))
        refresh = world.build(RefreshDomainStatus, dns=Outage(world.dns, failing=["zone", "certificate"]))
        after = await refresh(owner, client.id, domain.id)
        assert (after.hostname_status, after.ssl_status, after.ssl_expires_on) == (
            before.hostname_status, before.ssl_status, before.ssl_expires_on,
        )  # fmt: skip
        assert after.provider_unreachable_since == world.clock.now()
        assert after.provider_checked_at == before.provider_checked_at

    async def test_the_certificate_state_is_its_own_reading(self, world: World) -> None:
        class CertificateFailed:
            def __getattr__(self, name: str) -> Any:
                return getattr(world.dns, name)

            async def certificate(self, zone_id: str, hostname: str) -> CertificateState:
                return CertificateState(SslStatus.FAILED, None)

        client, owner, domain = await a_domain(world)
        refreshed = await world.build(RefreshDomainStatus, dns=CertificateFailed())(owner, client.id, domain.id)
        assert (refreshed.hostname_status, refreshed.ssl_status) == (HostnameStatus.ACTIVE, SslStatus.FAILED)

    async def test_a_domain_without_a_zone_gets_one(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        await forget_zone(world, domain)
        refreshed = await world.build(RefreshDomainStatus)(owner, client.id, domain.id)
        zone = await world.dns.find_zone(domain.name)
        assert isinstance(zone, DnsZone) and refreshed.zone_id == zone.provider_id


class TestReconcileDnsRecords:
    async def test_a_record_edited_outside_arco_is_adopted_and_audited(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert domain.zone_id and record.provider_record_id
        await world.dns.update_record(domain.zone_id, record.provider_record_id, DnsRecordSpec(
            record.type, "www", "192.0.2.99", 300, None, False))  # fmt: skip
        drift = await world.build(ReconcileDnsRecords)(owner, client.id, domain.id)
        assert drift == ()
        async with world.uow(DataScope.of_client(client.id)) as uow:
            [stored] = await uow.dns_records.list_for_domain(client.id, domain.id)
        assert (stored.id, stored.content, stored.ttl) == (record.id, "192.0.2.99", 300)
        assert sorted(await audit_actions(world, domain)) == ["dns_record.add", "dns_record.adopt_change"]

    async def test_an_edit_made_in_arco_while_the_provider_was_listed_is_not_undone(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")

        async def edited_meanwhile() -> None:
            await world.build(UpdateDnsRecord)(owner, client.id, domain.id, record.id, content="192.0.2.8")

        reconcile = world.build(ReconcileDnsRecords, dns=Meddling(world.dns, edited_meanwhile, call="list_records"))
        assert await reconcile(owner, client.id, domain.id) == ()
        async with world.uow(DataScope.of_client(client.id)) as uow:
            [stored] = await uow.dns_records.list_for_domain(client.id, domain.id)
        [remote] = await held(world, domain)
        assert (stored.content, remote.content) == ("192.0.2.8", "192.0.2.8")
        assert "dns_record.adopt_change" not in await audit_actions(world, domain)

    async def test_a_record_added_outside_arco_is_adopted(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        assert domain.zone_id
        remote = await world.dns.create_record(domain.zone_id, DnsRecordSpec(
            DnsRecordType.MX, "@", "mail.example.net", 1, 10, False))  # fmt: skip
        await world.build(ReconcileDnsRecords)(owner, client.id, domain.id)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            [stored] = await uow.dns_records.list_for_domain(client.id, domain.id)
        assert (stored.provider_record_id, stored.content, stored.priority) == (
            remote.provider_id,
            "mail.example.net",
            10,
        )

    async def test_a_record_deleted_outside_arco_is_reported_and_kept(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert domain.zone_id and record.provider_record_id
        await world.dns.delete_record(domain.zone_id, record.provider_record_id)
        [drift] = await world.build(ReconcileDnsRecords)(owner, client.id, domain.id)
        assert (drift.kind, drift.record_id, drift.arco) == (
            DriftKind.MISSING_AT_PROVIDER,
            record.id,
            record.spec().facts(),
        )
        assert await world.build(GetDnsDrift)(owner, client.id, domain.id) == (drift,)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            assert [r.id for r in await uow.dns_records.list_for_domain(client.id, domain.id)] == [record.id]

    async def test_reconciling_twice_changes_nothing_more(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert domain.zone_id and record.provider_record_id
        await world.dns.delete_record(domain.zone_id, record.provider_record_id)
        reconcile = world.build(ReconcileDnsRecords)
        first = await reconcile(owner, client.id, domain.id)
        audits = await audit_actions(world, domain)
        second = await reconcile(owner, client.id, domain.id)
        assert [(d.kind, d.record_id) for d in first] == [(d.kind, d.record_id) for d in second]
        assert await audit_actions(world, domain) == audits
        assert len(await world.build(GetDnsDrift)(owner, client.id, domain.id)) == 1

    async def test_a_record_the_provider_never_held_is_pushed_there(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        record = await world.build(AddDnsRecord)(owner, client.id, domain.id, type="A", name="www", content="192.0.2.1")
        assert domain.zone_id and record.provider_record_id
        await world.dns.delete_record(domain.zone_id, record.provider_record_id)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            await uow.dns_records.update(record.with_spec(record.spec(), None))
            await uow.commit()
        assert await world.build(ReconcileDnsRecords)(owner, client.id, domain.id) == ()
        [remote] = await held(world, domain)
        async with world.uow(DataScope.of_client(client.id)) as uow:
            [stored] = await uow.dns_records.list_for_domain(client.id, domain.id)
        assert stored.provider_record_id == remote.provider_id

    async def test_a_record_the_provider_refuses_when_pushed_is_reported(self, world: World) -> None:
        client, owner, domain = await a_domain(world)
        assert domain.zone_id
        await world.dns.create_record(
            domain.zone_id, DnsRecordSpec(DnsRecordType.A, "shop", "192.0.2.7", 1, None, False)
        )
        async with world.uow(DataScope.of_client(client.id)) as uow:
            cname = DnsRecord(
                id=DnsRecordId(world.ids.new_id()), client_id=client.id, domain_id=domain.id, type=DnsRecordType.CNAME,
                name="shop", content="shops.example.net", ttl=1, priority=None, proxied=False,
                created_at=world.clock.now(),
            )  # fmt: skip
            await uow.dns_records.add(cname)
            await uow.commit()
        [drift] = await world.build(ReconcileDnsRecords)(owner, client.id, domain.id)
        assert (drift.kind, drift.record_id) == (DriftKind.REFUSED_BY_PROVIDER, cname.id)
        assert "refused CNAME shop" in drift.detail

    async def test_another_clients_domain_is_not_found(self, world: World) -> None:
        _, _, domain = await a_domain(world)
        stranger, intruder = await world.register("intruder@example.org")
        with pytest.raises(NotFound):
            await world.build(ReconcileDnsRecords)(intruder, stranger.id, domain.id)
        with pytest.raises(NotFound):
            await world.build(GetDnsDrift)(intruder, stranger.id, domain.id)


class TestKeepDomainsInStep:
    async def test_every_domain_is_refreshed_and_reconciled_and_one_failure_stops_no_other(self, world: World) -> None:
        first_client, first_owner, first = await a_domain(world, "first.com")
        _, _, second = await a_domain(world, "second.com")
        record = await world.build(AddDnsRecord)(
            first_owner, first_client.id, first.id, type="A", name="@", content="192.0.2.1"
        )
        assert first.zone_id and record.provider_record_id and second.zone_id
        await world.dns.delete_record(first.zone_id, record.provider_record_id)
        await world.dns.delete_zone(second.zone_id)
        upkeep = world.build(
            KeepDomainsInStep, refresh=world.build(RefreshDomainStatus), reconcile=world.build(ReconcileDnsRecords)
        )
        outcome = await upkeep()
        assert (outcome.domains, outcome.drift_reported, outcome.failed) == (2, 1, 1)
        async with world.uow(DataScope.of_client(first_client.id)) as uow:
            assert (await uow.domains.get(first_client.id, first.id)).hostname_status is HostnameStatus.ACTIVE
