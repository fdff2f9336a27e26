"""Who is on the other end: the socket's peer, or the client a trusted proxy says it forwarded.

`X-Forwarded-For` is believed only when the peer is one of the configured proxies (`ARCO_TRUSTED_PROXIES`),
and then only the part of it those proxies wrote: the list is read from the right, past every trusted hop,
and the first address that is not a trusted proxy is the client. Anyone else's header is ignored, so a
caller cannot pick the address its rate limits and audit rows are kept under.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

from litestar import Request
from litestar.di import Provide

UNKNOWN = "unknown"
_STATE_KEY = "arco_client_address"


class ClientAddresses:
    def __init__(self, trusted_proxies: Sequence[IPv4Network | IPv6Network] = ()) -> None:
        self._trusted = tuple(trusted_proxies)

    def of(self, scope: Any) -> str:
        """The client's address for this ASGI scope, worked out once and kept in the scope's state."""
        state = scope.setdefault("state", {})
        if _STATE_KEY not in state:
            state[_STATE_KEY] = self._resolve(scope)
        address: str = state[_STATE_KEY]
        return address

    def _resolve(self, scope: Any) -> str:
        client = scope.get("client")
        peer = _parsed(client[0]) if client else None
        if peer is None:
            return UNKNOWN
        if not self._is_trusted(peer):
            return str(peer)
        forwarded = [
            hop.strip()
            for name, value in scope.get("headers", ())
            if name.lower() == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")
        ]
        client_address = peer
        for hop in reversed(forwarded):
            address = _parsed(hop)
            if address is None:
                break
            client_address = address
            if not self._is_trusted(address):
                break
        return str(client_address)

    def _is_trusted(self, address: IPv4Address | IPv6Address) -> bool:
        return any(address in network for network in self._trusted)


def _parsed(text: str) -> IPv4Address | IPv6Address | None:
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_address_dependency(addresses: ClientAddresses) -> Provide:
    """`client_address`: the caller's address, as a Litestar dependency."""

    def client_address(request: Request[Any, Any, Any]) -> str:
        return addresses.of(request.scope)

    return Provide(client_address, sync_to_thread=False)
