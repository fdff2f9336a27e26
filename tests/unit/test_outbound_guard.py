"""`OutboundGuard`'s refusals, decided before any connection: address classes, URLs, and its own limits."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address

import httpx
import pytest

from arco_adapters.outbound import (
    MAX_BODY_BYTES,
    MAX_REDIRECTS,
    MAX_SECONDS,
    IPAddress,
    OutboundFailed,
    OutboundGuard,
    OutboundRefused,
    refusal,
)
from arco_domain.errors import ValidationError
from tests.fake_dns import FakeResolver


class NoNetwork(httpx.AsyncBaseTransport):
    """A transport that fails the test if the guard ever tries to connect."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the guard connected to {request.url}")


REFUSED = [
    # IPv4
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("100.127.255.254", "shared (CGNAT)"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("169.254.169.254", "link-local"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.0.0.8", "reserved"),
    ("192.0.2.10", "documentation"),
    ("192.88.99.1", "reserved"),
    ("192.168.1.1", "private"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    # IPv6
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fc00::1", "unique-local"),
    ("fd12:3456:789a::1", "unique-local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "reserved"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("100::1", "reserved"),
    ("2001::1", "reserved"),  # Teredo
    ("2001:2::1", "reserved"),  # benchmarking
    ("64:ff9b:1::1", "private"),  # local-use NAT64
    ("::127.0.0.1", "reserved"),  # the deprecated IPv4-compatible form
    ("4000::1", "reserved"),  # outside global unicast
    # IPv4 inside IPv6: mapped, 6to4 and NAT64 forms of refused addresses
    ("::ffff:127.0.0.1", "loopback (IPv4-mapped 127.0.0.1)"),
    ("::ffff:169.254.169.254", "link-local (IPv4-mapped 169.254.169.254)"),
    ("::ffff:10.0.0.1", "private (IPv4-mapped 10.0.0.1)"),
    ("::ffff:100.64.0.1", "shared (CGNAT) (IPv4-mapped 100.64.0.1)"),
    ("::ffff:0.0.0.0", "unspecified (IPv4-mapped 0.0.0.0)"),
    ("2002:7f00:1::1", "loopback (6to4 127.0.0.1)"),
    ("2002:a9fe:a9fe::", "link-local (6to4 169.254.169.254)"),
    ("2002:c0a8:101::1", "private (6to4 192.168.1.1)"),
    ("64:ff9b::7f00:1", "loopback (NAT64 127.0.0.1)"),
    ("64:ff9b::a9fe:a9fe", "link-local (NAT64 169.254.169.254)"),
    ("64:ff9b::a00:1", "private (NAT64 10.0.0.1)"),
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.1",
    "192.169.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "2002:808:808::1",
    "64:ff9b::808:808",
]


class TestRefusal:
    @pytest.mark.parametrize(("address", "kind"), REFUSED)
    def test_an_address_off_limits_is_refused_with_its_kind(self, address: str, kind: str) -> None:
        assert refusal(ip_address(address)) == kind

    @pytest.mark.parametrize("address", PUBLIC)
    def test_a_public_address_is_allowed(self, address: str) -> None:
        assert refusal(ip_address(address)) is None


def guard(**options: object) -> OutboundGuard:
    return OutboundGuard(resolver=FakeResolver(), transport=NoNetwork(), **options)  # type: ignore[arg-type]


class TestCheck:
    @pytest.mark.parametrize(("address", "kind"), REFUSED)
    async def test_a_url_naming_a_refused_address_is_refused_without_asking_dns(self, address: str, kind: str) -> None:
        resolver = FakeResolver()
        host = f"[{address}]" if ":" in address else address
        with pytest.raises(OutboundRefused) as refused:
            await OutboundGuard(resolver=resolver, transport=NoNetwork()).check(f"https://{host}:8443/admin")
        assert refused.value.reason == f"{ip_address(address)} is a {kind} address"
        assert resolver.asked == []

    async def test_a_name_resolving_to_a_refused_address_is_refused_naming_both(self) -> None:
        resolver = FakeResolver({"metadata.shop.com": ["169.254.169.254"]})
        with pytest.raises(OutboundRefused) as refused:
            await OutboundGuard(resolver=resolver, transport=NoNetwork()).check("http://metadata.shop.com/")
        assert refused.value.reason == "metadata.shop.com resolves to 169.254.169.254, which is a link-local address"

    async def test_a_name_is_refused_when_any_of_its_addresses_is(self) -> None:
        resolver = FakeResolver({"shop.com": ["93.184.215.14", "10.0.0.7"]})
        with pytest.raises(OutboundRefused, match=r"10\.0\.0\.7, which is a private address"):
            await OutboundGuard(resolver=resolver, transport=NoNetwork()).check("https://shop.com/")

    async def test_a_public_name_is_checked_with_every_address_kept_for_the_connection(self) -> None:
        resolver = FakeResolver({"xn--caf-dma.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
        target = await OutboundGuard(resolver=resolver, transport=NoNetwork()).check("https://café.com/menu")
        assert target.host == "xn--caf-dma.com"
        assert [str(a) for a in target.addresses] == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("ftp://shop.com/", "only http and https URLs are fetched, not ftp"),
            ("file:///etc/passwd", "only http and https URLs are fetched, not file"),
            ("gopher://shop.com:70/", "only http and https URLs are fetched, not gopher"),
            ("/relative", "only http and https URLs are fetched, not a relative URL"),
            ("https://", "the URL names no host"),
            ("https://admin:secret@shop.com/", "the URL carries credentials"),
        ],
    )
    async def test_a_url_that_is_not_plain_http_is_refused(self, url: str, reason: str) -> None:
        with pytest.raises(OutboundRefused) as refused:
            await guard().check(url)
        assert refused.value.reason == reason

    async def test_a_refusal_is_a_validation_error_on_the_url(self) -> None:
        with pytest.raises(ValidationError) as refused:
            await guard().check("http://127.0.0.1/")
        assert refused.value.field == "url"

    async def test_a_name_that_does_not_resolve_fails_rather_than_being_refused(self) -> None:
        with pytest.raises(OutboundFailed, match=r"nowhere\.com does not resolve"):
            await guard().check("https://nowhere.com/")

    async def test_a_name_that_resolves_too_slowly_fails_within_the_limit(self) -> None:
        async def stalling(host: str, port: int) -> list[IPAddress]:
            await asyncio.sleep(5)
            return []

        slow = OutboundGuard(resolver=stalling, transport=NoNetwork(), max_seconds=0.05)
        with pytest.raises(OutboundFailed, match="did not resolve in time"):
            await slow.check("https://shop.com/")

    async def test_the_allow_list_lets_through_its_own_addresses_only(self) -> None:
        allowed = guard(allow=["127.0.0.1/32"])
        assert [str(a) for a in (await allowed.check("http://127.0.0.1:8080/")).addresses] == ["127.0.0.1"]
        with pytest.raises(OutboundRefused, match="loopback"):
            await allowed.check("http://127.0.0.2:8080/")
        with pytest.raises(OutboundRefused, match="loopback"):
            await allowed.check("http://[::1]:8080/")


class TestLimits:
    def test_the_limits_are_ten_seconds_five_megabytes_and_five_redirects(self) -> None:
        assert (MAX_SECONDS, MAX_BODY_BYTES, MAX_REDIRECTS) == (10.0, 5 * 1024 * 1024, 5)

    @pytest.mark.parametrize(
        "loosened", [{"max_seconds": 10.5}, {"max_bytes": MAX_BODY_BYTES + 1}, {"max_redirects": 6}]
    )
    def test_a_guard_cannot_be_built_with_looser_limits(self, loosened: dict[str, float]) -> None:
        with pytest.raises(ValueError, match="at most"):
            guard(**loosened)

    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
    async def test_only_get_and_head_are_fetched(self, method: str) -> None:
        with pytest.raises(ValueError, match="GET, HEAD only"):
            await guard().fetch("https://shop.com/", method=method)
