from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, DomainId, ProjectId
from arco_domain.model.domains import (
    STRICT_NAMES,
    ClientDomainPolicy,
    Domain,
    DomainStatus,
    HostnameStatus,
    SslStatus,
    client_domain_name,
    normalize_domain_name,
    normalize_hostname,
)

ldh_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
tlds = st.from_regex(r"[a-z]{2,8}", fullmatch=True)
# Letters whose upper and lower case both nameprep to the same lower-case letter.
accented = st.text(alphabet="áéíóúàâêôãõçñü", min_size=1, max_size=3)
idn_labels = st.builds(lambda a, b: a + b, ldh_labels, accented)
domain_names = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(ldh_labels | idn_labels, min_size=1, max_size=3),
    tlds,
)


def rejection(raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        normalize_domain_name(raw)
    assert caught.value.field == "domain_name"
    return caught.value


class TestNormalizeDomainName:
    def test_a_plain_name_is_returned_unchanged(self) -> None:
        assert normalize_domain_name("example.com") == "example.com"

    def test_upper_case_is_folded_to_lower_case(self) -> None:
        assert normalize_domain_name("WWW.Example.COM") == "www.example.com"

    def test_one_trailing_dot_is_dropped(self) -> None:
        assert normalize_domain_name("example.com.") == "example.com"

    def test_a_unicode_name_becomes_its_punycode_form(self) -> None:
        assert normalize_domain_name("café.com.br") == "xn--caf-dma.com.br"

    def test_a_decomposed_accent_gives_the_same_punycode_as_the_composed_one(self) -> None:
        assert normalize_domain_name("cafe\u0301.com.br") == "xn--caf-dma.com.br"

    def test_an_upper_case_unicode_label_is_case_folded_before_encoding(self) -> None:
        assert normalize_domain_name("CAFÉ.com.br") == "xn--caf-dma.com.br"

    def test_a_valid_punycode_label_is_accepted_in_lower_case(self) -> None:
        assert normalize_domain_name("XN--CAF-DMA.com.br") == "xn--caf-dma.com.br"

    def test_ideographic_full_stops_separate_labels(self) -> None:
        assert normalize_domain_name("例え\u3002jp") == normalize_domain_name("例え.jp")

    def test_the_standard_library_maps_sharp_s_the_idna_2003_way(self) -> None:
        assert normalize_domain_name("straße.de") == "strasse.de"

    def test_digits_and_inner_hyphens_are_allowed(self) -> None:
        assert normalize_domain_name("my-site-2.com.br") == "my-site-2.com.br"

    def test_a_label_of_63_octets_is_accepted(self) -> None:
        assert normalize_domain_name("a" * 63 + ".com") == "a" * 63 + ".com"

    def test_a_name_of_253_characters_is_accepted(self) -> None:
        name = ".".join(["a" * 63] * 3 + ["b" * 61])
        assert len(name) == 253
        assert normalize_domain_name(name) == name

    def test_a_numeric_label_below_the_top_level_is_accepted(self) -> None:
        assert normalize_domain_name("123.example.com") == "123.example.com"

    @pytest.mark.parametrize("raw", ["", ".", "localhost", "com."])
    def test_a_name_without_two_labels_is_refused(self, raw: str) -> None:
        rejection(raw)

    @pytest.mark.parametrize("raw", ["example..com", ".example.com", "example.com..", "a. .com"])
    def test_an_empty_label_is_refused(self, raw: str) -> None:
        rejection(raw)

    def test_a_label_over_63_octets_is_refused(self) -> None:
        assert "63" in rejection("a" * 64 + ".com").detail

    def test_a_unicode_label_over_63_octets_once_encoded_is_refused(self) -> None:
        rejection("é" * 60 + ".com")

    def test_a_name_over_253_characters_is_refused(self) -> None:
        assert "253" in rejection(".".join(["a" * 63] * 3 + ["b" * 62])).detail

    def test_an_absurdly_long_input_is_refused(self) -> None:
        rejection("a." * 5000 + "com")

    @pytest.mark.parametrize("raw", ["-example.com", "example-.com", "example.-com"])
    def test_a_label_with_a_leading_or_trailing_hyphen_is_refused(self, raw: str) -> None:
        rejection(raw)

    @pytest.mark.parametrize(
        "raw",
        ["exa_mple.com", "_dmarc.example.com", "ex ample.com", " example.com", "a@b.com", "*.example.com"],
    )
    def test_characters_outside_letters_digits_and_hyphens_are_refused(self, raw: str) -> None:
        rejection(raw)

    @pytest.mark.parametrize("raw", ["example.123", "192.168.0.1", "10.0.0.1."])
    def test_an_all_numeric_top_level_label_is_refused(self, raw: str) -> None:
        assert "digits" in rejection(raw).detail

    @pytest.mark.parametrize("raw", ["xn--.com", "xn--abc-.com", "xn--caf-dm.com", "xn--!!.com"])
    def test_a_punycode_label_that_does_not_round_trip_is_refused(self, raw: str) -> None:
        assert "IDNA" in rejection(raw).detail

    def test_a_prohibited_unicode_character_is_refused(self) -> None:
        rejection("exa\u0000mple.com")

    def test_a_unicode_symbol_that_maps_to_a_non_hostname_character_is_refused(self) -> None:
        rejection("a\u2024b.com")  # ONE DOT LEADER normalizes to "."

    @given(domain_names)
    def test_generated_valid_names_normalize_idempotently(self, raw: str) -> None:
        once = normalize_domain_name(raw)
        assert normalize_domain_name(once) == once
        assert once.isascii()
        assert once == once.lower()

    @given(domain_names)
    def test_names_that_differ_only_by_case_normalize_equal(self, raw: str) -> None:
        assert normalize_domain_name(raw.upper()) == normalize_domain_name(raw.lower())
        assert normalize_domain_name(raw.swapcase()) == normalize_domain_name(raw)

    @given(st.text(alphabet=st.sampled_from("abzAZ09-._*é\u00ad\u3002") | st.characters(), max_size=40))
    def test_any_text_is_either_refused_with_a_validation_error_or_normalized_idempotently(self, raw: str) -> None:
        try:
            once = normalize_domain_name(raw)
        except ValidationError as error:
            assert error.field == "domain_name"
        else:
            assert normalize_domain_name(once) == once
            assert len(once) <= 253


class TestNormalizeHostname:
    def test_underscore_labels_are_refused_by_default(self) -> None:
        with pytest.raises(ValidationError) as caught:
            normalize_hostname("_acme-challenge.example.com", field="content")
        assert caught.value.field == "content"

    def test_underscore_labels_are_accepted_when_allowed(self) -> None:
        assert normalize_hostname("_ACME-challenge.example.com", allow_underscore=True) == "_acme-challenge.example.com"

    def test_a_bare_underscore_is_refused_even_when_underscores_are_allowed(self) -> None:
        with pytest.raises(ValidationError):
            normalize_hostname("_.example.com", allow_underscore=True)


def make_domain(**changes: object) -> Domain:
    fields: dict[str, object] = {
        "id": DomainId(UUID(int=1)),
        "client_id": ClientId(UUID(int=2)),
        "name": "Example.COM.",
        "status": DomainStatus.ACTIVE,
        "nameservers": ("NS1.Cloudflare.com", "ns2.cloudflare.com."),
        "ssl_status": SslStatus.ACTIVE,
        "ssl_expires_on": date(2025, 3, 1),
        "renewal_date": date(2025, 6, 30),
        "project_id": ProjectId(UUID(int=3)),
        "created_at": datetime(2024, 1, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return Domain(**fields)  # type: ignore[arg-type]


class TestClientDomainName:
    @pytest.mark.parametrize(
        ("raw", "why"),
        [
            ("metadata.google.internal", "reserved or internal"),
            ("localhost.localdomain", "reserved or internal"),
            ("db.localhost", "reserved or internal"),
            ("printer.local", "reserved or internal"),
            ("shop.test", "reserved or internal"),
            ("shop.invalid", "reserved or internal"),
            ("shop.example", "reserved or internal"),
            ("Shop.EXAMPLE.", "reserved or internal"),
            ("1.0.0.127.in-addr.arpa", "reserved or internal"),
            ("router.home.arpa", "reserved or internal"),
            ("hidden.onion", "reserved or internal"),
            ("intranet.corp", "reserved or internal"),
            ("nas.lan", "reserved or internal"),
            ("router.home", "reserved or internal"),
            ("0x7f.0x1", "reads as an IP address"),
            ("127.0.0.0x1", "reads as an IP address"),
            ("169.254.169.254.nip.io", "wildcard DNS service"),
            ("nip.io", "wildcard DNS service"),
            ("10-0-0-1.sslip.io", "wildcard DNS service"),
            ("app.10.0.0.1.xip.io", "wildcard DNS service"),
            ("shop.localtest.me", "wildcard DNS service"),
            ("lvh.me", "wildcard DNS service"),
        ],
    )
    def test_a_name_that_is_not_a_site_on_the_internet_is_refused_naming_the_field(self, raw: str, why: str) -> None:
        with pytest.raises(ValidationError, match=why) as refused:
            client_domain_name(raw, STRICT_NAMES)
        assert refused.value.field == "domain_name"

    @pytest.mark.parametrize("raw", ["127.0.0.1", "[::1]", "localhost", "::ffff:127.0.0.1"])
    def test_an_address_or_a_bare_host_is_refused_as_a_malformed_name(self, raw: str) -> None:
        with pytest.raises(ValidationError) as refused:
            client_domain_name(raw, STRICT_NAMES)
        assert refused.value.field == "domain_name"

    @pytest.mark.parametrize(
        ("raw", "name"),
        [
            ("Loja.com.br", "loja.com.br"),
            ("example.com", "example.com"),
            ("local.shop.com", "local.shop.com"),
            ("mynip.io", "mynip.io"),
            ("nip.io.com.br", "nip.io.com.br"),
            ("test.xyz", "test.xyz"),
            ("shop.0xcafe.com", "shop.0xcafe.com"),
        ],
    )
    def test_a_public_name_is_accepted_normalized(self, raw: str, name: str) -> None:
        assert client_domain_name(raw, STRICT_NAMES) == name

    def test_example_names_are_accepted_only_when_the_policy_allows_them(self) -> None:
        demo = ClientDomainPolicy(allow_example=True)
        assert client_domain_name("sul-loja.example", demo) == "sul-loja.example"
        with pytest.raises(ValidationError, match="reserved or internal"):
            client_domain_name("sul.test", demo)
        with pytest.raises(ValidationError, match="reserved or internal"):
            client_domain_name("sul-loja.example", STRICT_NAMES)


class TestDomain:
    def test_the_name_and_nameservers_are_stored_normalized(self) -> None:
        domain = make_domain()
        assert domain.name == "example.com"
        assert domain.nameservers == ("ns1.cloudflare.com", "ns2.cloudflare.com")

    def test_an_invalid_name_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            make_domain(name="not a domain")
        assert caught.value.field == "domain_name"

    def test_an_invalid_nameserver_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            make_domain(nameservers=("ns1",))
        assert caught.value.field == "nameservers"

    def test_a_repeated_nameserver_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            make_domain(nameservers=("ns1.example.net", "NS1.example.net."))
        assert caught.value.field == "nameservers"

    def test_days_until_renewal_counts_whole_days_from_today(self) -> None:
        assert make_domain().days_until_renewal(date(2025, 6, 1)) == 29

    def test_days_until_renewal_is_negative_once_the_date_has_passed(self) -> None:
        assert make_domain().days_until_renewal(date(2025, 7, 2)) == -2

    def test_days_until_renewal_is_none_without_a_renewal_date(self) -> None:
        assert make_domain(renewal_date=None).days_until_renewal(date(2025, 6, 1)) is None

    def test_days_until_ssl_expiry_counts_whole_days_from_today(self) -> None:
        assert make_domain().days_until_ssl_expiry(date(2025, 2, 1)) == 28

    def test_days_until_ssl_expiry_is_none_without_a_certificate(self) -> None:
        domain = make_domain(ssl_status=SslStatus.NONE, ssl_expires_on=None)
        assert domain.days_until_ssl_expiry(date(2025, 2, 1)) is None

    def test_statuses_are_plain_strings(self) -> None:
        assert [str(s) for s in DomainStatus] == ["active", "expired", "pending", "suspended"]
        assert [str(s) for s in SslStatus] == ["active", "expired", "pending", "failed", "none"]
        assert [str(s) for s in HostnameStatus] == ["pending", "active", "moved"]
