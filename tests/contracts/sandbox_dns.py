"""The sandbox DNS provider's contract, run over every `SandboxDnsStore`.

A subclass provides the `store` fixture. The provider must answer as Cloudflare does: the same refusals, with
the same error classes, fields and codes, whichever store keeps its zones and records.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from arco_adapters.cloudflare.errors import CloudflareConflict, CloudflareNotFound, CloudflareValidationError
from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.memory.clock import ManualClock
from arco_adapters.sandbox_zones import SandboxDnsStore
from arco_domain.model.dns import CertificateState, DnsRecordSpec, DnsRecordType, DnsZone, ProviderDnsRecord
from arco_domain.model.domains import HostnameStatus, SslStatus
from arco_ports.dns import DnsProvider

CREATED = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)
CLOUDFLARE_ID = re.compile(r"[0-9a-f]{32}")
NAMESERVER = re.compile(r"[a-z]+\.ns\.cloudflare\.com")


def new_zone_name() -> str:
    return f"site-{uuid4().hex[:12]}.com"


def spec(
    type: DnsRecordType = DnsRecordType.A,
    name: str = "www",
    content: str = "192.0.2.10",
    *,
    ttl: int = 3600,
    priority: int | None = None,
    proxied: bool = False,
) -> DnsRecordSpec:
    return DnsRecordSpec(type, name, content, ttl, priority, proxied)


class SandboxDnsContract:
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(CREATED)

    @pytest.fixture
    def provider(self, store: SandboxDnsStore, clock: ManualClock) -> DnsProvider:
        return SandboxDnsProvider(store, clock=clock)

    # --- zones -------------------------------------------------------------------------------------------

    async def test_a_new_zone_is_pending_with_a_cloudflare_id_and_two_cloudflare_nameservers(
        self, provider: DnsProvider
    ) -> None:
        name = new_zone_name()
        zone = await provider.create_zone(name.upper() + ".")
        assert CLOUDFLARE_ID.fullmatch(zone.provider_id)
        assert (zone.name, zone.status) == (name, HostnameStatus.PENDING)
        assert len(set(zone.nameservers)) == 2
        assert all(NAMESERVER.fullmatch(nameserver) for nameserver in zone.nameservers)

    async def test_a_zone_name_always_gets_the_same_nameservers(self, provider: DnsProvider) -> None:
        name = new_zone_name()
        first = await provider.create_zone(name)
        await provider.delete_zone(first.provider_id)
        again = await provider.create_zone(name)
        assert again.provider_id != first.provider_id
        assert again.nameservers == first.nameservers

    async def test_a_zone_is_found_by_its_name_however_it_is_spelled(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        assert await provider.find_zone(zone.name) == zone
        assert await provider.find_zone(zone.name.upper() + ".") == zone
        assert await provider.find_zone(new_zone_name()) is None
        assert await provider.find_zone("not a domain") is None

    async def test_a_zone_name_the_account_holds_is_refused_with_1061(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        with pytest.raises(CloudflareConflict) as refused:
            await provider.create_zone(zone.name.upper())
        assert refused.value.codes == (1061,)
        assert await provider.find_zone(zone.name) == zone

    @pytest.mark.parametrize("name", ["", "localhost", "-dash-.com", "two words.com", "example.123", "a..com"])
    async def test_a_zone_name_that_is_not_a_domain_is_refused_with_1099(
        self, provider: DnsProvider, name: str
    ) -> None:
        with pytest.raises(CloudflareValidationError) as refused:
            await provider.create_zone(name)
        assert (refused.value.field, refused.value.codes) == ("name", (1099,))

    async def test_a_zone_turns_active_on_its_first_read(self, provider: DnsProvider) -> None:
        created = await provider.create_zone(new_zone_name())
        assert await provider.find_zone(created.name) == created
        active = replace(created, status=HostnameStatus.ACTIVE)
        assert await provider.zone(created.provider_id) == active
        assert await provider.zone(created.provider_id) == active
        assert await provider.find_zone(created.name) == active

    async def test_racing_creations_of_one_zone_leave_exactly_one(self, provider: DnsProvider) -> None:
        name = new_zone_name()
        outcomes = await asyncio.gather(*(provider.create_zone(name) for _ in range(8)), return_exceptions=True)
        created = [outcome for outcome in outcomes if isinstance(outcome, DnsZone)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, CloudflareConflict)]
        assert (len(created), len(refused)) == (1, 7)
        assert {error.codes for error in refused} == {(1061,)}
        assert await provider.find_zone(name) == created[0]

    async def test_a_zone_the_account_does_not_hold_is_not_found_with_7003(self, provider: DnsProvider) -> None:
        ghost = uuid4().hex
        calls = [
            provider.zone(ghost),
            provider.list_records(ghost),
            provider.create_record(ghost, spec()),
            provider.update_record(ghost, uuid4().hex, spec()),
            provider.certificate(ghost, "www.example.com"),
        ]
        for call in calls:
            with pytest.raises(CloudflareNotFound) as missing:
                await call
            assert (missing.value.kind, missing.value.key, missing.value.codes) == ("zone", ghost, (7003,))

    async def test_deleting_a_zone_takes_its_records_and_deleting_it_again_succeeds(
        self, provider: DnsProvider
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        await provider.create_record(zone.provider_id, spec())
        await provider.delete_zone(zone.provider_id)
        await provider.delete_zone(zone.provider_id)
        assert await provider.find_zone(zone.name) is None
        with pytest.raises(CloudflareNotFound):
            await provider.list_records(zone.provider_id)
        again = await provider.create_zone(zone.name)
        assert await provider.list_records(again.provider_id) == []

    # --- records -----------------------------------------------------------------------------------------

    async def test_records_go_in_relative_and_come_back_fully_qualified(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        apex = await provider.create_record(zone.provider_id, spec(name="@", content="192.0.2.1"))
        site = await provider.create_record(
            zone.provider_id, spec(DnsRecordType.CNAME, "WWW", "Site.Example.NET.", ttl=1, proxied=True)
        )
        mail = await provider.create_record(
            zone.provider_id, spec(DnsRecordType.MX, "@", "mail.example.net", priority=10)
        )
        assert apex == ProviderDnsRecord(apex.provider_id, "A", zone.name, "192.0.2.1", 3600, None, False)
        assert site == ProviderDnsRecord(
            site.provider_id, "CNAME", f"www.{zone.name}", "site.example.net", 1, None, True
        )
        assert mail == ProviderDnsRecord(mail.provider_id, "MX", zone.name, "mail.example.net", 3600, 10, False)
        assert all(CLOUDFLARE_ID.fullmatch(record.provider_id) for record in (apex, site, mail))
        assert len({apex.provider_id, site.provider_id, mail.provider_id}) == 3
        assert site.spec_in(zone.name) == spec(DnsRecordType.CNAME, "www", "site.example.net", ttl=1, proxied=True)
        assert await provider.list_records(zone.provider_id) == [apex, mail, site]

    async def test_records_are_listed_by_name_type_and_content(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        made = [
            await provider.create_record(zone.provider_id, record)
            for record in (
                spec(DnsRecordType.TXT, "api", "v=2"),
                spec(DnsRecordType.A, "api", "192.0.2.9"),
                spec(DnsRecordType.A, "api", "192.0.2.1"),
                spec(DnsRecordType.TXT, "@", "hello"),
                spec(DnsRecordType.AAAA, "api", "2001:db8::1"),
            )
        ]
        listed = await provider.list_records(zone.provider_id)
        assert listed == [made[i] for i in (2, 1, 4, 0, 3)]
        assert await provider.list_records(zone.provider_id) == listed

    async def test_an_updated_record_keeps_its_id_and_comes_back_changed(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec())
        kept = await provider.create_record(zone.provider_id, spec(name="api"))
        updated = await provider.update_record(
            zone.provider_id, record.provider_id, spec(name="shop", content="198.51.100.7", ttl=1, proxied=True)
        )
        assert updated == ProviderDnsRecord(record.provider_id, "A", f"shop.{zone.name}", "198.51.100.7", 1, None, True)
        assert await provider.list_records(zone.provider_id) == [kept, updated]

    async def test_a_record_may_be_updated_to_what_it_already_is(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec(DnsRecordType.CNAME, "www", "a.example.net"))
        same = await provider.update_record(
            zone.provider_id, record.provider_id, spec(DnsRecordType.CNAME, "www", "a.example.net")
        )
        retargeted = await provider.update_record(
            zone.provider_id, record.provider_id, spec(DnsRecordType.CNAME, "www", "b.example.net")
        )
        assert same == record
        assert await provider.list_records(zone.provider_id) == [retargeted]

    async def test_updating_a_record_the_zone_does_not_hold_is_not_found_with_81044(
        self, provider: DnsProvider
    ) -> None:
        zone, elsewhere = await provider.create_zone(new_zone_name()), await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec())
        for record_id in (uuid4().hex, record.provider_id):
            with pytest.raises(CloudflareNotFound) as missing:
                await provider.update_record(elsewhere.provider_id, record_id, spec(content="203.0.113.9"))
            assert (missing.value.kind, missing.value.key, missing.value.codes) == ("dns_record", record_id, (81044,))
        assert await provider.list_records(zone.provider_id) == [record]
        assert await provider.list_records(elsewhere.provider_id) == []

    async def test_deleting_a_record_twice_succeeds_and_leaves_the_others(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec())
        kept = await provider.create_record(zone.provider_id, spec(name="api"))
        await provider.delete_record(zone.provider_id, record.provider_id)
        await provider.delete_record(zone.provider_id, record.provider_id)
        await provider.delete_record(uuid4().hex, record.provider_id)
        assert await provider.list_records(zone.provider_id) == [kept]

    async def test_a_zone_neither_shows_nor_deletes_another_zones_records(self, provider: DnsProvider) -> None:
        zone, elsewhere = await provider.create_zone(new_zone_name()), await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec())
        await provider.delete_record(elsewhere.provider_id, record.provider_id)
        assert await provider.list_records(elsewhere.provider_id) == []
        assert await provider.list_records(zone.provider_id) == [record]

    async def test_the_same_record_may_live_in_two_zones(self, provider: DnsProvider) -> None:
        zone, elsewhere = await provider.create_zone(new_zone_name()), await provider.create_zone(new_zone_name())
        first = await provider.create_record(zone.provider_id, spec())
        second = await provider.create_record(elsewhere.provider_id, spec())
        assert first.provider_id != second.provider_id
        assert await provider.list_records(elsewhere.provider_id) == [second]

    # --- Cloudflare's refusals -----------------------------------------------------------------------------

    async def test_an_identical_record_is_refused_with_81058_whatever_its_ttl(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec(DnsRecordType.TXT, "@", "v=spf1 -all"))
        with pytest.raises(CloudflareConflict) as refused:
            await provider.create_record(zone.provider_id, spec(DnsRecordType.TXT, "@", "v=spf1 -all", ttl=60))
        assert refused.value.codes == (81058,)
        assert await provider.list_records(zone.provider_id) == [record]

    async def test_an_update_identical_to_another_record_is_refused_with_81058(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        first = await provider.create_record(zone.provider_id, spec(content="192.0.2.1"))
        second = await provider.create_record(zone.provider_id, spec(content="192.0.2.2"))
        with pytest.raises(CloudflareConflict) as refused:
            await provider.update_record(zone.provider_id, second.provider_id, spec(content="192.0.2.1"))
        assert refused.value.codes == (81058,)
        assert await provider.list_records(zone.provider_id) == [first, second]

    async def test_records_that_share_a_name_but_not_their_content_are_kept(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        for record in (
            spec(content="192.0.2.1"),
            spec(content="192.0.2.2"),
            spec(DnsRecordType.AAAA, content="2001:db8::1"),
            spec(DnsRecordType.TXT, content="192.0.2.1"),
        ):
            await provider.create_record(zone.provider_id, record)
        assert len(await provider.list_records(zone.provider_id)) == 4

    @pytest.mark.parametrize(
        "taken",
        [spec(), spec(DnsRecordType.TXT, content="hello"), spec(DnsRecordType.CNAME, content="a.example.net")],
        ids=["an A record", "a TXT record", "another CNAME"],
    )
    async def test_a_cname_joining_a_name_that_has_records_is_refused_with_81053(
        self, provider: DnsProvider, taken: DnsRecordSpec
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        existing = await provider.create_record(zone.provider_id, taken)
        with pytest.raises(CloudflareConflict) as refused:
            await provider.create_record(zone.provider_id, spec(DnsRecordType.CNAME, content="b.example.net"))
        assert refused.value.codes == (81053,)
        assert await provider.list_records(zone.provider_id) == [existing]

    @pytest.mark.parametrize(
        "joining",
        [
            spec(),
            spec(DnsRecordType.TXT, content="hello"),
            spec(DnsRecordType.MX, content="mx.example.net", priority=5),
        ],
        ids=["an A record", "a TXT record", "an MX record"],
    )
    async def test_any_record_joining_a_cnames_name_is_refused_with_81054(
        self, provider: DnsProvider, joining: DnsRecordSpec
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        alias = await provider.create_record(zone.provider_id, spec(DnsRecordType.CNAME, content="a.example.net"))
        with pytest.raises(CloudflareConflict) as refused:
            await provider.create_record(zone.provider_id, joining)
        assert refused.value.codes == (81054,)
        assert await provider.list_records(zone.provider_id) == [alias]

    async def test_an_update_moving_a_record_onto_a_cnames_name_is_refused_with_81054(
        self, provider: DnsProvider
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        alias = await provider.create_record(zone.provider_id, spec(DnsRecordType.CNAME, content="a.example.net"))
        other = await provider.create_record(zone.provider_id, spec(name="api"))
        with pytest.raises(CloudflareConflict) as refused:
            await provider.update_record(zone.provider_id, other.provider_id, spec(name="www"))
        assert refused.value.codes == (81054,)
        assert await provider.list_records(zone.provider_id) == [other, alias]

    @pytest.mark.parametrize(
        ("refused_spec", "field", "codes"),
        [
            (spec(content="192.0.2.300"), "content", (1004, 9005)),
            (spec(DnsRecordType.AAAA, content="192.0.2.1"), "content", (1004, 9006)),
            (spec(DnsRecordType.CNAME, content="192.0.2.1"), "content", (1004, 9007)),
            (spec(DnsRecordType.MX, content="not a host", priority=10), "content", (1004,)),
            (spec(name="bad name!"), "name", (1004, 9000)),
            (spec(DnsRecordType.CNAME, "@", "a.example.net"), "name", (1004, 9000)),
            (spec(ttl=30), "ttl", (1004, 9021)),
            (spec(DnsRecordType.TXT, content="hello", proxied=True), "proxied", (1004, 9004)),
            (spec(DnsRecordType.MX, content="mx.example.net"), "priority", (1004,)),
        ],
        ids=[
            "A content",
            "AAAA content",
            "CNAME content",
            "MX content",
            "name",
            "CNAME at the apex",
            "ttl",
            "proxied TXT",
            "MX without priority",
        ],
    )
    async def test_a_record_cloudflare_would_not_take_is_refused_naming_the_field(
        self, provider: DnsProvider, refused_spec: DnsRecordSpec, field: str, codes: tuple[int, ...]
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        record = await provider.create_record(zone.provider_id, spec(name="api"))
        with pytest.raises(CloudflareValidationError) as created:
            await provider.create_record(zone.provider_id, refused_spec)
        with pytest.raises(CloudflareValidationError) as updated:
            await provider.update_record(zone.provider_id, record.provider_id, refused_spec)
        for refusal in (created.value, updated.value):
            assert (refusal.field, refusal.codes) == (field, codes)
        assert await provider.list_records(zone.provider_id) == [record]

    async def test_racing_identical_records_leave_exactly_one(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        outcomes = await asyncio.gather(
            *(provider.create_record(zone.provider_id, spec()) for _ in range(8)), return_exceptions=True
        )
        created = [outcome for outcome in outcomes if isinstance(outcome, ProviderDnsRecord)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, CloudflareConflict)]
        assert (len(created), len(refused)) == (1, 7)
        assert {error.codes for error in refused} == {(81058,)}
        assert await provider.list_records(zone.provider_id) == created

    async def test_a_racing_cname_and_address_record_leave_exactly_one(self, provider: DnsProvider) -> None:
        zone = await provider.create_zone(new_zone_name())
        alias, address = spec(DnsRecordType.CNAME, content="a.example.net"), spec()
        outcomes = await asyncio.gather(
            *(provider.create_record(zone.provider_id, record) for record in (alias, address) * 4),
            return_exceptions=True,
        )
        created = [outcome for outcome in outcomes if isinstance(outcome, ProviderDnsRecord)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, CloudflareConflict)]
        assert (len(created), len(refused)) == (1, 7)
        assert await provider.list_records(zone.provider_id) == created

    # --- certificates ------------------------------------------------------------------------------------

    async def test_a_pending_zones_certificate_is_pending_for_the_names_it_will_cover(
        self, provider: DnsProvider
    ) -> None:
        zone = await provider.create_zone(new_zone_name())
        pending, none = CertificateState(SslStatus.PENDING, None), CertificateState(SslStatus.NONE, None)
        assert await provider.certificate(zone.provider_id, zone.name) == pending
        assert await provider.certificate(zone.provider_id, f"www.{zone.name}") == pending
        assert await provider.certificate(zone.provider_id, f"a.b.{zone.name}") == none

    async def test_an_active_zones_certificate_covers_the_apex_and_one_label_under_it(
        self, provider: DnsProvider
    ) -> None:
        zone = await provider.zone((await provider.create_zone(new_zone_name())).provider_id)
        active = CertificateState(SslStatus.ACTIVE, date(2026, 8, 2))
        for hostname in (zone.name, f"www.{zone.name}", f"*.{zone.name}", f"API.{zone.name.upper()}."):
            assert await provider.certificate(zone.provider_id, hostname) == active

    async def test_no_certificate_covers_deeper_names_or_other_domains(self, provider: DnsProvider) -> None:
        zone = await provider.zone((await provider.create_zone(new_zone_name())).provider_id)
        other = await provider.zone((await provider.create_zone(new_zone_name())).provider_id)
        none = CertificateState(SslStatus.NONE, None)
        for hostname in (f"a.b.{zone.name}", other.name, f"www.{other.name}", f"x{zone.name}", f".{zone.name}"):
            assert await provider.certificate(zone.provider_id, hostname) == none

    async def test_the_certificate_is_renewed_every_90_days(self, provider: DnsProvider, clock: ManualClock) -> None:
        zone = await provider.zone((await provider.create_zone(new_zone_name())).provider_id)
        for days, expires_on in ((89, date(2026, 8, 2)), (90, date(2026, 10, 31)), (200, date(2027, 1, 29))):
            clock.set(CREATED + timedelta(days=days))
            assert await provider.certificate(zone.provider_id, zone.name) == CertificateState(
                SslStatus.ACTIVE, expires_on
            )
