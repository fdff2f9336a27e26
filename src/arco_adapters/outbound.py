"""`OutboundGuard`: every server-side request to a URL a client or a visitor can influence goes through it.

A URL chosen from outside could otherwise make ARCO's servers reach what only they can reach: the cloud's
metadata service, the database, an admin page on the private network. So before each request the guard
resolves the host once, refuses it unless every address it resolves to is public (`refusal` lists the rest),
and connects to the address it checked, never asking DNS again: a name that answers a public address to the
check and a private one to the connection cannot slip through. TLS still verifies the certificate against the
host name and sends it as SNI. Redirects are followed by the guard itself, each hop checked like the first.

Limits (SPEC 10a): at most `MAX_REDIRECTS` redirects, `MAX_BODY_BYTES` of body, `MAX_SECONDS` for the whole
fetch (resolution and redirects included); only `http` and `https`, on any port; no cookies are kept, no
proxy from the environment is used, and no connection is reused, so nothing of one fetch carries into the next.

What goes wrong is a typed error with a `reason` fit for a report: `OutboundRefused` when the guard would not
send the request (a refused address, scheme or URL), `OutboundFailed` when it was sent and did not complete.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpx

from arco_domain.errors import Unavailable, ValidationError

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Answers the addresses of a host name (the port is a hint, as for `getaddrinfo`)."""

MAX_REDIRECTS = 5
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_SECONDS = 10.0
USER_AGENT = "ARCO/1.0 (+https://arco.app)"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SAFE_METHODS = frozenset({"GET", "HEAD"})
"""Only methods without a body: a redirect never has to decide what becomes of one."""

_REFUSED_IPV4: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_REFUSED_IPV6: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), kind)
    for network, kind in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64 (RFC 8215)
        ("100::/64", "reserved"),  # discard-only
        ("2001::/23", "reserved"),  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "reserved"),  # the deprecated site-local range
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: IPv6Address) -> tuple[str, IPv4Address] | None:
    """The IPv4 address an IPv6 one stands for, and the name of the form, when it is one of those forms."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address in _NAT64:
        return "NAT64", IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """What kind of address `address` is when a server-side fetch must not reach it, or None when it is public.

    An IPv6 form that carries an IPv4 address (IPv4-mapped, 6to4, NAT64) is judged by that address; any other
    IPv6 address outside global unicast (2000::/3) is reserved.
    """
    if isinstance(address, IPv4Address):
        return next((kind for network, kind in _REFUSED_IPV4 if address in network), None)
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        form, ipv4 = embedded
        kind = refusal(ipv4)
        return None if kind is None else f"{kind} ({form} {ipv4})"
    kind = next((kind for network, kind in _REFUSED_IPV6 if address in network), None)
    return kind or (None if address in _GLOBAL_UNICAST else "reserved")


class OutboundRefused(ValidationError):
    """The guard would not send the request: `reason` says what about the URL, or where it leads, is refused."""

    code = "outbound-refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="url")
        self.reason = reason


class OutboundFailed(Unavailable):
    """The request was allowed but did not complete (DNS, connection, TLS, time, redirects); `reason` says how."""

    code = "outbound-failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    """A URL the guard has checked: its host name and the addresses a request to it may connect to."""

    url: httpx.URL
    host: str
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect on the way: the URL asked, its status, and the address that answered."""

    url: str
    status: int
    address: IPAddress


@dataclass(frozen=True, slots=True)
class Fetched:
    """The answer at the end of the redirects: the final URL, its status and headers, and its body as sent (no
    content decoding; `Accept-Encoding: identity` is asked) up to the cap. `truncated` is True when reading
    stopped at the cap before the body was known to end."""

    url: str
    status: int
    headers: httpx.Headers
    redirects: tuple[Hop, ...]
    body: bytes
    truncated: bool
    address: IPAddress


async def system_resolver(host: str, port: int) -> Sequence[IPAddress]:
    """The addresses the operating system's resolver gives for `host`, in its order of preference."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in answers))


class OutboundGuard:
    """Fetches URLs from outside safely (see the module's docstring); one per process, closed by `aclose`.

    `allow` lists networks let through although `refusal` refuses them: it exists for tests, which serve on
    loopback, and nothing in configuration sets it. `resolver` answers host names (the system's by default)
    and `transport` makes the connections (an `httpx.AsyncHTTPTransport` that keeps none alive by default);
    both are replaced in tests. `max_seconds`, `max_bytes` and `max_redirects` may only tighten the limits.
    """

    def __init__(
        self,
        *,
        allow: Iterable[IPNetwork | str] = (),
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
        max_seconds: float = MAX_SECONDS,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        if not (0 < max_seconds <= MAX_SECONDS and 0 <= max_bytes <= MAX_BODY_BYTES
                and 0 <= max_redirects <= MAX_REDIRECTS):  # fmt: skip
            raise ValueError(
                f"outbound limits are at most {MAX_SECONDS} s, {MAX_BODY_BYTES} bytes and {MAX_REDIRECTS} redirects"
            )
        self._allow = tuple(ip_network(network) for network in allow)
        self._resolve = resolver
        self._transport = transport or httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        self._max_seconds = max_seconds
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects

    async def aclose(self) -> None:
        """Close the transport."""
        await self._transport.aclose()

    async def check(self, url: str | httpx.URL) -> Target:
        """Resolve `url`'s host and check every address it has; the `Target` to connect to.

        Raises `OutboundRefused` for a URL that is not http(s), names no host, carries credentials, or leads to
        a refused address, and `OutboundFailed` when the host does not resolve.
        """
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise OutboundRefused(f"not a valid URL: {error}") from None
        if parsed.scheme not in ("http", "https"):
            raise OutboundRefused(f"only http and https URLs are fetched, not {parsed.scheme or 'a relative URL'}")
        if not parsed.raw_host:
            raise OutboundRefused("the URL names no host")
        if parsed.userinfo:
            raise OutboundRefused("the URL carries credentials")
        host = parsed.raw_host.decode("ascii")
        try:
            literal: IPAddress | None = ip_address(host)
        except ValueError:
            literal = None
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = (literal,) if literal is not None else await self._addresses_of(host, port)
        for address in addresses:
            kind = self._refusal(address)
            if kind is not None:
                where = str(address) if literal is not None else f"{host} resolves to {address}, which"
                raise OutboundRefused(f"{where} is a {kind} address")
        return Target(parsed, host, addresses)

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        max_bytes: int = MAX_BODY_BYTES,
        timeout: float = MAX_SECONDS,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """`method` (GET or HEAD) on `url`, following redirects; the answer, with at most `max_bytes` of body.

        Every hop is checked (`check`) and connected to the address checked. The fetch ends within `timeout`
        seconds; the guard's own limits apply whatever is asked. Raises `OutboundRefused` or `OutboundFailed`.
        """
        if method not in SAFE_METHODS:
            raise ValueError(f"the guard fetches with {', '.join(sorted(SAFE_METHODS))} only")
        try:
            async with asyncio.timeout(min(timeout, self._max_seconds)):
                return await self._follow(url, method, min(max_bytes, self._max_bytes), headers or {})
        except (TimeoutError, httpx.TimeoutException):
            raise OutboundFailed("timed out") from None
        except httpx.TransportError as error:
            raise OutboundFailed(_describe(error)) from None

    def _refusal(self, address: IPAddress) -> str | None:
        if any(address in network for network in self._allow):
            return None
        return refusal(address)

    async def _addresses_of(self, host: str, port: int) -> tuple[IPAddress, ...]:
        try:
            async with asyncio.timeout(self._max_seconds):
                addresses = tuple(await self._resolve(host, port))
        except TimeoutError:
            raise OutboundFailed(f"{host} did not resolve in time") from None
        except OSError as error:
            raise OutboundFailed(f"{host} does not resolve: {error.strerror or error}") from None
        except UnicodeError:  # the system resolver's own IDNA check: a label over 63 octets, say
            raise OutboundRefused(f"{host} is not a valid host name") from None
        if not addresses:
            raise OutboundFailed(f"{host} does not resolve")
        return addresses

    async def _follow(self, url: str, method: str, max_bytes: int, headers: Mapping[str, str]) -> Fetched:
        redirects: list[Hop] = []
        current: str | httpx.URL = url
        for _ in range(self._max_redirects + 1):
            target = await self.check(current)
            response, address = await self._send(target, method, headers)
            try:
                location = response.headers.get("Location")
                if response.status_code in REDIRECT_STATUSES and location:
                    redirects.append(Hop(str(target.url), response.status_code, address))
                    current = _next_hop(target.url, location)
                    continue
                body, truncated = await _read(response, max_bytes)
                return Fetched(
                    str(target.url), response.status_code, response.headers, tuple(redirects), body, truncated, address
                )
            finally:
                await response.aclose()
        raise OutboundFailed("too many redirects")

    async def _send(self, target: Target, method: str, headers: Mapping[str, str]) -> tuple[httpx.Response, IPAddress]:
        """Send to the target's addresses in turn until one accepts the connection; never to any other."""
        *others, last = target.addresses
        for address in others:
            try:
                return await self._send_to(address, target, method, headers), address
            except httpx.ConnectError:
                continue
        return await self._send_to(last, target, method, headers), last

    async def _send_to(
        self, address: IPAddress, target: Target, method: str, headers: Mapping[str, str]
    ) -> httpx.Response:
        request = httpx.Request(
            method,
            target.url.copy_with(host=str(address)),
            headers={
                "User-Agent": USER_AGENT,
                **headers,
                "Accept-Encoding": "identity",
                "Host": target.url.netloc.decode("ascii"),
            },
            # The certificate is checked against the host name, which is also the one sent as SNI.
            extensions={"sni_hostname": target.host} if target.url.scheme == "https" else {},
        )
        return await self._transport.handle_async_request(request)


def _next_hop(current: httpx.URL, location: str) -> httpx.URL:
    try:
        return current.join(location)
    except httpx.InvalidURL as error:
        raise OutboundFailed(f"a redirect to an invalid URL: {error}") from None


async def _read(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    if max_bytes == 0:
        return b"", True
    body = bytearray()
    async for chunk in response.aiter_raw():
        room = max_bytes - len(body)
        body += chunk[:room]
        if len(chunk) >= room:
            return bytes(body), True
    return bytes(body), False


def _describe(error: httpx.TransportError) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
