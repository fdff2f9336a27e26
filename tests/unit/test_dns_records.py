from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv6Address
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import Conflict, ValidationError
from arco_domain.ids import ClientId, DnsRecordId, DomainId
from arco_domain.model.dns import (
    DnsRecord,
    DnsRecordSpec,
    DnsRecordType,
    check_record_set,
    validate_dns_record,
)

ZONE = "example.com"

ldh_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
hostnames = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(ldh_labels, min_size=1, max_size=4),
    st.from_regex(r"[a-z]{2,8}", fullmatch=True),
)


def refused(field: str, type: str, name: str = "www", content: str = "192.0.2.1", **extra: object) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_dns_record(ZONE, type, name, content, **extra)  # type: ignore[arg-type]
    assert caught.value.field == field
    return caught.value.detail


def spec(type: str, name: str, content: str, priority: int | None = None) -> DnsRecordSpec:
    return validate_dns_record(ZONE, type, name, content, priority=priority)


class TestRecordName:
    def test_the_apex_is_written_as_an_at_sign(self) -> None:
        assert spec("A", "@", "192.0.2.1").name == "@"

    def test_the_zone_name_itself_means_the_apex(self) -> None:
        assert spec("A", "Example.com.", "192.0.2.1").name == "@"

    def test_a_relative_name_is_kept_relative_in_lower_case(self) -> None:
        assert spec("A", "WWW.Blog", "192.0.2.1").name == "www.blog"

    def test_a_fully_qualified_name_inside_the_zone_is_made_relative(self) -> None:
        assert spec("A", "www.example.com.", "192.0.2.1").name == "www"

    def test_an_unqualified_name_ending_in_the_zone_is_made_relative(self) -> None:
        assert spec("A", "www.EXAMPLE.com", "192.0.2.1").name == "www"

    def test_a_fully_qualified_name_outside_the_zone_is_refused(self) -> None:
        assert "zone" in refused("name", "A", name="www.other.com.")

    def test_a_unicode_label_is_stored_as_punycode(self) -> None:
        assert spec("A", "café", "192.0.2.1").name == "xn--caf-dma"

    def test_the_zone_is_normalized_too(self) -> None:
        assert validate_dns_record("EXAMPLE.com.", "A", "www.example.com", "192.0.2.1").name == "www"

    def test_an_invalid_zone_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            validate_dns_record("localhost", "A", "www", "192.0.2.1")
        assert caught.value.field == "domain_name"

    @pytest.mark.parametrize("name", ["", "  ", "www..blog", "-www", "ww w"])
    def test_malformed_names_are_refused(self, name: str) -> None:
        refused("name", "A", name=name)

    def test_a_leftmost_wildcard_is_accepted(self) -> None:
        assert spec("A", "*.blog", "192.0.2.1").name == "*.blog"
        assert spec("A", "*", "192.0.2.1").name == "*"

    def test_a_wildcard_inside_the_name_is_refused(self) -> None:
        assert "leftmost" in refused("name", "A", name="www.*")

    def test_a_wildcard_ns_record_is_refused(self) -> None:
        refused("name", "NS", name="*", content="ns1.example.net")

    def test_a_name_too_long_with_the_zone_is_refused(self) -> None:
        assert "253" in refused("name", "A", name=".".join(["a" * 63] * 4))

    @pytest.mark.parametrize(
        ("type", "name", "content"),
        [("TXT", "_dmarc", "v=DMARC1; p=none"), ("CNAME", "s1._domainkey", "s1.dkim.example.net")],
    )
    def test_underscore_labels_are_accepted_for_txt_and_cname(self, type: str, name: str, content: str) -> None:
        assert spec(type, name, content).name == name

    def test_underscore_labels_are_refused_for_other_types(self) -> None:
        refused("name", "A", name="_dmarc")

    @given(st.lists(ldh_labels, min_size=1, max_size=3).map(".".join))
    def test_names_that_differ_only_by_case_normalize_equal(self, name: str) -> None:
        assert spec("A", name.upper(), "192.0.2.1").name == spec("A", name, "192.0.2.1").name == name


class TestRecordType:
    def test_the_type_may_be_given_as_text_in_any_case(self) -> None:
        assert spec("aaaa", "www", "2001:db8::1").type is DnsRecordType.AAAA

    def test_an_unknown_type_is_refused(self) -> None:
        assert "PTR" in refused("type", "PTR")


class TestTtl:
    @pytest.mark.parametrize("ttl", [1, 60, 3600, 86400])
    def test_automatic_or_60_to_86400_seconds_are_accepted(self, ttl: int) -> None:
        assert validate_dns_record(ZONE, "A", "www", "192.0.2.1", ttl=ttl).ttl == ttl

    @pytest.mark.parametrize("ttl", [0, -1, 2, 59, 86401, True])
    def test_other_values_are_refused(self, ttl: int) -> None:
        refused("ttl", "A", ttl=ttl)

    @given(st.integers(min_value=-100, max_value=200_000))
    def test_every_accepted_spec_has_an_automatic_or_in_range_ttl(self, ttl: int) -> None:
        try:
            accepted = validate_dns_record(ZONE, "A", "www", "192.0.2.1", ttl=ttl)
        except ValidationError as error:
            assert error.field == "ttl"
            assert not (ttl == 1 or 60 <= ttl <= 86400)
        else:
            assert accepted.ttl == 1 or 60 <= accepted.ttl <= 86400


class TestAddressRecords:
    def test_an_a_record_takes_an_ipv4_address(self) -> None:
        assert spec("A", "www", " 192.0.2.10 ").content == "192.0.2.10"

    def test_an_aaaa_record_stores_the_compressed_ipv6_form(self) -> None:
        assert spec("AAAA", "www", "2001:0DB8:0000:0000:0000:0000:0000:0001").content == "2001:db8::1"

    @pytest.mark.parametrize("content", ["192.0.2", "256.0.0.1", "192.0.2.01", "example.com", "2001:db8::1"])
    def test_an_a_record_refuses_anything_but_ipv4(self, content: str) -> None:
        refused("content", "A", content=content)

    @pytest.mark.parametrize("content", ["192.0.2.1", "2001:db8::g", "fe80::1%eth0", ""])
    def test_an_aaaa_record_refuses_anything_but_a_plain_ipv6_address(self, content: str) -> None:
        refused("content", "AAAA", content=content)

    @given(st.ip_addresses(v=4))
    def test_generated_ipv4_addresses_are_accepted_for_a_and_refused_for_aaaa(self, address: IPv4Address) -> None:
        assert spec("A", "www", str(address)).content == str(address)
        refused("content", "AAAA", content=str(address))

    @given(st.ip_addresses(v=6))
    def test_generated_ipv6_addresses_are_accepted_for_aaaa_and_refused_for_a(self, address: IPv6Address) -> None:
        assert spec("AAAA", "www", str(address)).content == str(address)
        refused("content", "A", content=str(address))


class TestCname:
    def test_a_cname_target_is_normalized(self) -> None:
        assert spec("CNAME", "www", "Example.NET.").content == "example.net"

    def test_a_cname_at_the_apex_is_refused(self) -> None:
        refused("name", "CNAME", name="@", content="example.net")

    @pytest.mark.parametrize("content", ["192.0.2.1", "2001:db8::1"])
    def test_a_cname_target_cannot_be_an_ip_address(self, content: str) -> None:
        assert "IP" in refused("content", "CNAME", content=content)

    def test_a_cname_cannot_point_at_itself(self) -> None:
        refused("content", "CNAME", name="www", content="www.example.com")

    def test_a_cname_target_may_hold_underscore_labels(self) -> None:
        assert spec("CNAME", "_acme-challenge", "_acme-challenge.dns.example.net").content == (
            "_acme-challenge.dns.example.net"
        )

    @pytest.mark.parametrize("content", ["localhost", "", "exa mple.net"])
    def test_a_cname_target_must_be_a_hostname(self, content: str) -> None:
        refused("content", "CNAME", content=content)


class TestMx:
    def test_an_mx_record_takes_a_hostname_and_a_priority(self) -> None:
        record = spec("MX", "@", "Mail.Example.com", priority=10)
        assert (record.content, record.priority) == ("mail.example.com", 10)

    def test_an_mx_record_without_a_priority_is_refused(self) -> None:
        refused("priority", "MX", name="@", content="mail.example.com")

    @pytest.mark.parametrize("priority", [-1, 65536, True])
    def test_an_mx_priority_outside_0_to_65535_is_refused(self, priority: int) -> None:
        refused("priority", "MX", name="@", content="mail.example.com", priority=priority)

    def test_an_mx_record_cannot_point_at_an_ip_address(self) -> None:
        refused("content", "MX", name="@", content="192.0.2.1", priority=10)

    def test_a_priority_on_a_type_that_takes_none_is_refused(self) -> None:
        refused("priority", "A", priority=10)


class TestTxt:
    def test_printable_text_is_kept_verbatim(self) -> None:
        assert spec("TXT", "@", "v=spf1 include:_spf.Google.com ~all").content == "v=spf1 include:_spf.Google.com ~all"

    def test_text_of_2048_characters_is_accepted(self) -> None:
        assert len(spec("TXT", "@", "x" * 2048).content) == 2048

    @pytest.mark.parametrize("content", ["", "x" * 2049, "line\nbreak", "bell\x07"])
    def test_empty_overlong_or_unprintable_text_is_refused(self, content: str) -> None:
        refused("content", "TXT", content=content)


class TestNs:
    def test_an_ns_record_delegates_a_subdomain_to_a_hostname(self) -> None:
        assert spec("NS", "eu", "NS1.Example.net").content == "ns1.example.net"

    def test_an_ns_record_at_the_apex_is_refused(self) -> None:
        refused("name", "NS", name="@", content="ns1.example.net")

    def test_an_ns_record_cannot_point_at_an_ip_address(self) -> None:
        refused("content", "NS", name="eu", content="192.0.2.1")


class TestCaa:
    def test_caa_content_is_returned_in_canonical_spacing_and_case(self) -> None:
        assert spec("CAA", "@", '0  ISSUE "letsencrypt.org"').content == '0 issue "letsencrypt.org"'

    def test_an_empty_issue_value_forbids_issuance_and_is_accepted(self) -> None:
        assert spec("CAA", "@", '0 issuewild ";"').content == '0 issuewild ";"'

    def test_an_iodef_url_is_accepted(self) -> None:
        assert spec("CAA", "@", '128 iodef "mailto:security@example.com"').content.startswith("128 iodef")

    @pytest.mark.parametrize(
        "content",
        [
            '256 issue "letsencrypt.org"',
            '0 issuer "letsencrypt.org"',
            "0 issue letsencrypt.org",
            '0 iodef "security@example.com"',
            '0 issue "a\tb"',
            "",
        ],
    )
    def test_malformed_caa_content_is_refused(self, content: str) -> None:
        refused("content", "CAA", name="@", content=content)


class TestSrv:
    def test_an_srv_record_names_service_and_protocol(self) -> None:
        record = spec("SRV", "_sip._tcp", "5 5060 SIP.Example.com.", priority=10)
        assert (record.name, record.content, record.priority) == ("_sip._tcp", "5 5060 sip.example.com", 10)

    def test_an_srv_name_may_continue_below_the_protocol(self) -> None:
        assert spec("SRV", "_xmpp._tls.chat", "0 5223 chat.example.com", priority=0).name == "_xmpp._tls.chat"

    @pytest.mark.parametrize("name", ["sip._tcp", "_sip", "_sip._sctp", "_sip.tcp", "@"])
    def test_an_srv_name_without_service_and_known_protocol_is_refused(self, name: str) -> None:
        refused("name", "SRV", name=name, content="5 5060 sip.example.com", priority=10)

    @pytest.mark.parametrize(
        "content",
        ["5 5060", "65536 5060 sip.example.com", "5 65536 sip.example.com", "5 5060 192.0.2.1", "a b c"],
    )
    def test_malformed_srv_content_is_refused(self, content: str) -> None:
        refused("content", "SRV", name="_sip._tcp", content=content, priority=10)

    def test_an_srv_record_without_a_priority_is_refused(self) -> None:
        refused("priority", "SRV", name="_sip._tcp", content="5 5060 sip.example.com")


class TestProxied:
    @pytest.mark.parametrize(("type", "content"), [("A", "192.0.2.1"), ("AAAA", "::1"), ("CNAME", "example.net")])
    def test_address_and_alias_records_can_be_proxied(self, type: str, content: str) -> None:
        assert validate_dns_record(ZONE, type, "www", content, proxied=True).proxied is True

    def test_other_types_cannot_be_proxied(self) -> None:
        refused("proxied", "TXT", content="hello", proxied=True)


class TestHostnameProperties:
    @given(hostnames, st.sampled_from(["CNAME", "MX", "NS"]))
    def test_generated_hostnames_are_accepted_as_targets(self, hostname: str, type: str) -> None:
        priority = 10 if type == "MX" else None
        accepted = validate_dns_record(ZONE, type, "sub", hostname.upper() + ".", priority=priority)
        assert accepted.content == hostname

    @given(st.ip_addresses())
    def test_generated_ip_addresses_are_refused_as_targets(self, address: IPv4Address | IPv6Address) -> None:
        refused("content", "CNAME", content=str(address))

    @given(
        st.sampled_from(list(DnsRecordType)),
        st.text(max_size=30),
        st.text(max_size=60),
        st.integers(-5, 100_000),
        st.none() | st.integers(-5, 70_000),
        st.booleans(),
    )
    def test_any_input_is_either_a_valid_spec_or_a_validation_error(
        self, type: DnsRecordType, name: str, content: str, ttl: int, priority: int | None, proxied: bool
    ) -> None:
        try:
            accepted = validate_dns_record(ZONE, type, name, content, ttl, priority, proxied)
        except ValidationError as error:
            assert error.field in {"name", "content", "ttl", "priority", "proxied"}
        else:
            assert accepted.ttl == 1 or 60 <= accepted.ttl <= 86400
            assert accepted == validate_dns_record(ZONE, type, accepted.name, accepted.content, ttl, priority, proxied)


class TestCheckRecordSet:
    def test_a_new_record_at_a_free_name_is_accepted(self) -> None:
        check_record_set([spec("A", "www", "192.0.2.1")], spec("A", "api", "192.0.2.1"))

    def test_several_records_of_other_types_share_a_name(self) -> None:
        existing = [spec("A", "@", "192.0.2.1"), spec("MX", "@", "mail.example.com", priority=10)]
        check_record_set(existing, spec("TXT", "@", "v=spf1 -all"))
        check_record_set(existing, spec("A", "@", "192.0.2.2"))

    def test_an_exact_duplicate_is_refused(self) -> None:
        with pytest.raises(Conflict, match="already exists"):
            check_record_set([spec("A", "www", "192.0.2.1")], spec("A", "WWW", "192.0.2.1"))

    def test_a_duplicate_differing_only_in_ttl_is_still_refused(self) -> None:
        existing = [validate_dns_record(ZONE, "A", "www", "192.0.2.1", ttl=300)]
        with pytest.raises(Conflict):
            check_record_set(existing, spec("A", "www", "192.0.2.1"))

    def test_a_cname_cannot_join_another_record(self) -> None:
        with pytest.raises(Conflict, match="CNAME"):
            check_record_set([spec("TXT", "www", "hello")], spec("CNAME", "www", "example.net"))

    def test_no_record_can_join_a_cname(self) -> None:
        with pytest.raises(Conflict, match="CNAME"):
            check_record_set([spec("CNAME", "www", "example.net")], spec("A", "www", "192.0.2.1"))

    def test_a_second_cname_at_the_same_name_is_refused(self) -> None:
        with pytest.raises(Conflict):
            check_record_set([spec("CNAME", "www", "example.net")], spec("CNAME", "www", "example.org"))

    def test_a_cname_beside_records_at_other_names_is_accepted(self) -> None:
        check_record_set([spec("A", "@", "192.0.2.1")], spec("CNAME", "www", "example.net"))


class TestDnsRecord:
    def test_a_stored_record_gives_back_its_spec(self) -> None:
        validated = spec("MX", "@", "mail.example.com", priority=10)
        record = DnsRecord(
            id=DnsRecordId(UUID(int=1)),
            client_id=ClientId(UUID(int=2)),
            domain_id=DomainId(UUID(int=3)),
            type=validated.type,
            name=validated.name,
            content=validated.content,
            ttl=validated.ttl,
            priority=validated.priority,
            proxied=validated.proxied,
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        assert record.spec() == validated
        with pytest.raises(Conflict):
            check_record_set([record.spec()], validated)
