"""The DNS-record repository contract, run against every adapter.

A subclass provides the `uow_factory` fixture. Records are stored as given (the domain validates them
first); what the contract pins down is ownership: a record lives under one domain of one client, never
moves, and goes when its domain goes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, DnsRecordId, DomainId
from arco_domain.model.access import DataScope
from arco_domain.model.dns import DnsRecord, DnsRecordType
from arco_domain.model.domains import Domain
from arco_ports.unit_of_work import UnitOfWorkFactory
from tests.contracts.repositories import new_domain
from tests.contracts.unit_of_work import NOW, new_client, seed


def new_record(
    domain: Domain,
    type: DnsRecordType = DnsRecordType.A,
    name: str = "www",
    content: str = "192.0.2.10",
    *,
    priority: int | None = None,
    proxied: bool = False,
    at: timedelta = timedelta(),
) -> DnsRecord:
    return DnsRecord(
        id=DnsRecordId(uuid4()), client_id=domain.client_id, domain_id=domain.id, type=type, name=name,
        content=content, ttl=3600, priority=priority, proxied=proxied, created_at=NOW + at,
    )  # fmt: skip


async def client_with_domain(factory: UnitOfWorkFactory) -> Domain:
    client = await seed(factory, new_client())
    domain = new_domain(client.id)
    async with factory(DataScope.of_client(client.id)) as uow:
        await uow.domains.add(domain)
        await uow.commit()
    return domain


async def stored(factory: UnitOfWorkFactory, *records: DnsRecord) -> None:
    async with factory(DataScope.of_client(records[0].client_id)) as uow:
        for record in records:
            await uow.dns_records.add(record)
        await uow.commit()


async def records_of(factory: UnitOfWorkFactory, domain: Domain) -> list[DnsRecord]:
    async with factory(DataScope.of_client(domain.client_id)) as uow:
        return list(await uow.dns_records.list_for_domain(domain.client_id, domain.id))


class DnsRecordContract:
    async def test_records_of_every_shape_come_back_equal_and_listed_oldest_first(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        domain = await client_with_domain(uow_factory)
        mail = new_record(domain, DnsRecordType.MX, "@", "mail.example.net", priority=10, at=timedelta(minutes=2))
        site = new_record(domain, DnsRecordType.CNAME, "www", "site.example.net", proxied=True, at=timedelta(minutes=1))
        text = new_record(domain, DnsRecordType.TXT, "_dmarc", "v=DMARC1; p=none", at=timedelta(minutes=3))
        await stored(uow_factory, mail, site, text)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            assert await uow.dns_records.get(domain.client_id, mail.id) == mail
        assert await records_of(uow_factory, domain) == [site, mail, text]

    async def test_a_domain_lists_only_its_own_records(self, uow_factory: UnitOfWorkFactory) -> None:
        first = await client_with_domain(uow_factory)
        second = new_domain(first.client_id)
        async with uow_factory(DataScope.of_client(first.client_id)) as uow:
            await uow.domains.add(second)
            await uow.commit()
        mine, other = new_record(first), new_record(second)
        await stored(uow_factory, mine, other)
        assert await records_of(uow_factory, first) == [mine]
        assert await records_of(uow_factory, second) == [other]

    async def test_an_updated_record_comes_back_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        record = new_record(domain)
        await stored(uow_factory, record)
        edited = replace(record, name="shop", content="198.51.100.7", ttl=1, proxied=True)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            await uow.dns_records.update(edited)
            await uow.commit()
        assert await records_of(uow_factory, domain) == [edited]

    async def test_a_removed_record_is_gone(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        record, kept = new_record(domain), new_record(domain, name="api", at=timedelta(minutes=1))
        await stored(uow_factory, record, kept)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            await uow.dns_records.remove(domain.client_id, record.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.get(domain.client_id, record.id)
            with pytest.raises(NotFound):
                await uow.dns_records.remove(domain.client_id, record.id)
        assert await records_of(uow_factory, domain) == [kept]

    async def test_records_that_do_not_exist_are_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        ghost = new_record(domain)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.get(domain.client_id, ghost.id)
            with pytest.raises(NotFound):
                await uow.dns_records.update(ghost)
        assert await records_of(uow_factory, domain) == []

    async def test_a_record_under_a_domain_that_does_not_exist_is_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        orphan = replace(new_record(domain), domain_id=DomainId(uuid4()))
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.add(orphan)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.get(domain.client_id, orphan.id)

    async def test_an_update_cannot_move_a_record_to_another_domain(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        elsewhere = new_domain(domain.client_id)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            await uow.domains.add(elsewhere)
            await uow.commit()
        record = new_record(domain)
        await stored(uow_factory, record)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.update(replace(record, domain_id=elsewhere.id, content="203.0.113.9"))
        assert await records_of(uow_factory, domain) == [record]
        assert await records_of(uow_factory, elsewhere) == []

    async def test_removing_a_domain_removes_its_records(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        record = new_record(domain)
        await stored(uow_factory, record)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            await uow.domains.remove(domain.client_id, domain.id)
            await uow.commit()
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.get(domain.client_id, record.id)
            with pytest.raises(NotFound):
                await uow.dns_records.remove(domain.client_id, record.id)
        assert await records_of(uow_factory, domain) == []

    async def test_records_added_without_commit_are_rolled_back(self, uow_factory: UnitOfWorkFactory) -> None:
        domain = await client_with_domain(uow_factory)
        async with uow_factory(DataScope.of_client(domain.client_id)) as uow:
            await uow.dns_records.add(new_record(domain))
            assert len(await uow.dns_records.list_for_domain(domain.client_id, domain.id)) == 1
        assert await records_of(uow_factory, domain) == []

    # --- scope: another client's records ---------------------------------------------------------------------

    async def test_another_clients_records_are_neither_seen_nor_changed(self, uow_factory: UnitOfWorkFactory) -> None:
        mine, theirs = await client_with_domain(uow_factory), await client_with_domain(uow_factory)
        their_record = new_record(theirs)
        await stored(uow_factory, their_record)
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            for client_id in (theirs.client_id, mine.client_id):
                with pytest.raises(NotFound):
                    await uow.dns_records.get(client_id, their_record.id)
                with pytest.raises(NotFound):
                    await uow.dns_records.remove(client_id, their_record.id)
                assert await uow.dns_records.list_for_domain(client_id, theirs.id) == []
            with pytest.raises(NotFound):
                await uow.dns_records.update(replace(their_record, content="203.0.113.66"))
            # Committed, so a change an adapter let through would stick and show below.
            await uow.commit()
        assert await records_of(uow_factory, theirs) == [their_record]

    @pytest.mark.parametrize("owner", ["theirs", "mine"], ids=["their client id", "my client id"])
    async def test_a_record_under_another_clients_domain_cannot_be_written(
        self, uow_factory: UnitOfWorkFactory, owner: str
    ) -> None:
        mine, theirs = await client_with_domain(uow_factory), await client_with_domain(uow_factory)
        client_id = ClientId(theirs.client_id if owner == "theirs" else mine.client_id)
        intruder = replace(new_record(theirs), client_id=client_id)
        async with uow_factory(DataScope.of_client(mine.client_id)) as uow:
            with pytest.raises(NotFound):
                await uow.dns_records.add(intruder)
        assert await records_of(uow_factory, theirs) == []
