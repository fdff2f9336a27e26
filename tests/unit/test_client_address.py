"""The client's address: the socket peer, or what a trusted proxy forwarded, never a stranger's header."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

from arco_entrypoints.http.client_address import UNKNOWN, ClientAddresses

PROXIES = ClientAddresses([ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48")])


def scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 51000) if peer else None,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", (), "203.0.113.5"),
        ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),
        ("10.1.2.3", ("198.51.100.1",), "198.51.100.1"),
        ("10.1.2.3", ("6.6.6.6, 198.51.100.1",), "198.51.100.1"),
        ("10.1.2.3", ("6.6.6.6, 198.51.100.1, 10.9.9.9",), "198.51.100.1"),
        ("10.1.2.3", ("6.6.6.6", "198.51.100.1"), "198.51.100.1"),
        ("10.1.2.3", ("garbage, 198.51.100.1",), "198.51.100.1"),
        ("10.1.2.3", ("198.51.100.1, garbage",), "10.1.2.3"),
        ("10.1.2.3", (), "10.1.2.3"),
        ("10.1.2.3", ("10.4.4.4",), "10.4.4.4"),
        ("2001:db8:ffff::1", ("[2001:db8:1::7]",), "2001:db8:1::7"),
        ("::ffff:203.0.113.9", (), "203.0.113.9"),
        ("testclient", ("198.51.100.1",), UNKNOWN),
        (None, (), UNKNOWN),
    ],
    ids=[
        "direct", "stranger's header ignored", "one trusted hop", "spoofed left part ignored",
        "several trusted hops", "header repeated", "garbage left of the client", "garbage from the proxy",
        "proxy without header", "only proxies", "v6 in brackets", "mapped v4", "not an address", "no peer",
    ],
)  # fmt: skip
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str | None, forwarded: tuple[str, ...], expected: str
) -> None:
    assert PROXIES.of(scope(peer, *forwarded)) == expected


def test_with_no_trusted_proxy_the_header_is_never_read() -> None:
    assert ClientAddresses().of(scope("10.1.2.3", "198.51.100.1")) == "10.1.2.3"
