"""`OutboundGuard.fetch` over real connections to local servers: pinning, redirects, caps and TLS.

Every server listens on loopback, which the guard refuses; each test lets one address through with the
allow-list (127.0.0.1), so a redirect to another loopback address (127.0.0.2, `[::ffff:127.0.0.2]`) stands for
a redirect into the private network. A `Bystander` listens there to show that nothing ever connects.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from arco_adapters.outbound import MAX_BODY_BYTES, IPAddress, OutboundFailed, OutboundGuard, OutboundRefused
from tests.fake_dns import FakeResolver
from tests.stub_http import Reply, StubRequest, StubServer, free_port

LOCAL = "127.0.0.1"
ELSEWHERE = "127.0.0.2"


class Bystander:
    """A port on 127.0.0.2 that only notices whether anyone connected."""

    def __init__(self) -> None:
        self._socket = socket.create_server((ELSEWHERE, 0))
        self._socket.setblocking(False)
        self.port: int = self._socket.getsockname()[1]

    def was_reached(self) -> bool:
        try:
            connection, _ = self._socket.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def bystander() -> Iterator[Bystander]:
    listening = Bystander()
    yield listening
    listening.close()


class Rebinding:
    """Answers `first` to the first question and `later` to every other: what a DNS-rebinding attacker does."""

    def __init__(self, *, first: str, later: str) -> None:
        self._first, self._later = ip_address(first), ip_address(later)
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append(host)
        return [self._first if len(self.asked) == 1 else self._later]


@pytest.fixture
async def guard() -> AsyncIterator[OutboundGuard]:
    real = OutboundGuard(allow=[f"{LOCAL}/32"], resolver=FakeResolver({"shop.example": [LOCAL]}))
    yield real
    await real.aclose()


class TestFetch:
    async def test_the_answer_comes_back_with_its_status_headers_and_body(self, guard: OutboundGuard) -> None:
        with StubServer(lambda _: Reply(200, {"Content-Type": "text/html", "X-Shop": "open"}, b"<p>menu</p>")) as site:
            fetched = await guard.fetch(f"http://shop.example:{site.port}/menu?day=1")
        assert (fetched.status, fetched.headers["x-shop"], fetched.body, fetched.truncated) == (
            200,
            "open",
            b"<p>menu</p>",
            False,
        )
        assert (fetched.url, fetched.redirects, str(fetched.address)) == (
            f"http://shop.example:{site.port}/menu?day=1",
            (),
            LOCAL,
        )
        [request] = site.requests
        assert (request.path, request.query) == ("/menu", {"day": ["1"]})
        assert (request.headers["host"], request.headers["accept-encoding"]) == (
            f"shop.example:{site.port}",
            "identity",
        )

    async def test_the_connection_goes_to_the_address_checked_and_dns_is_asked_once(self) -> None:
        resolver = Rebinding(first=LOCAL, later=ELSEWHERE)
        pinned = OutboundGuard(allow=[f"{LOCAL}/32"], resolver=resolver)
        try:
            with StubServer(lambda _: Reply(200, {}, b"ok")) as site:
                fetched = await pinned.fetch(f"http://shop.example:{site.port}/")
        finally:
            await pinned.aclose()
        assert (fetched.status, str(fetched.address), len(site.requests)) == (200, LOCAL, 1)
        assert resolver.asked == ["shop.example"]

    async def test_redirects_are_followed_and_recorded(self, guard: OutboundGuard) -> None:
        def respond(request: StubRequest) -> Reply:
            if request.path == "/":
                return Reply(301, {"Location": "/pt-br"}, b"")
            if request.path == "/pt-br":
                return Reply(302, {"Location": "/pt-br/home"}, b"")
            return Reply(200, {}, b"home")

        with StubServer(respond) as site:
            fetched = await guard.fetch(f"http://shop.example:{site.port}/")
        origin = f"http://shop.example:{site.port}"
        assert [(hop.url, hop.status) for hop in fetched.redirects] == [(f"{origin}/", 301), (f"{origin}/pt-br", 302)]
        assert (fetched.url, fetched.status, fetched.body) == (f"{origin}/pt-br/home", 200, b"home")

    async def test_no_cookie_is_kept_between_requests(self, guard: OutboundGuard) -> None:
        def respond(request: StubRequest) -> Reply:
            if request.path == "/login":
                return Reply(302, {"Location": "/home", "Set-Cookie": "session=abc; Path=/"}, b"")
            return Reply(200, {"Set-Cookie": "seen=1; Path=/"}, b"home")

        with StubServer(respond) as site:
            await guard.fetch(f"http://shop.example:{site.port}/login")
            await guard.fetch(f"http://shop.example:{site.port}/home")
        assert [request.path for request in site.requests] == ["/login", "/home", "/home"]
        assert [request.headers.get("cookie") for request in site.requests] == [None, None, None]

    @pytest.mark.parametrize(
        ("location", "reason"),
        [
            ("http://127.0.0.2:{port}/", "127.0.0.2 is a loopback address"),
            ("http://admin.shop.example:{port}/", "admin.shop.example resolves to 127.0.0.2, which is a loopback"),
            ("http://[::ffff:127.0.0.2]:{port}/", "::ffff:7f00:2 is a loopback (IPv4-mapped 127.0.0.2) address"),
            ("ftp://127.0.0.2:{port}/", "only http and https URLs are fetched, not ftp"),
        ],
    )
    async def test_a_redirect_to_a_refused_address_is_refused_before_connecting(
        self, bystander: Bystander, location: str, reason: str
    ) -> None:
        resolver = FakeResolver({"shop.example": [LOCAL], "admin.shop.example": [ELSEWHERE]})
        redirected = OutboundGuard(allow=[f"{LOCAL}/32"], resolver=resolver, max_seconds=2)
        try:
            redirect = Reply(302, {"Location": location.format(port=bystander.port)}, b"")
            with StubServer(lambda _: redirect) as site, pytest.raises(OutboundRefused) as refused:
                await redirected.fetch(f"http://shop.example:{site.port}/")
        finally:
            await redirected.aclose()
        assert refused.value.reason.startswith(reason)
        assert len(site.requests) == 1
        assert not bystander.was_reached()

    async def test_five_redirects_are_followed_and_a_sixth_is_not(self, guard: OutboundGuard) -> None:
        def countdown(request: StubRequest) -> Reply:
            left = int(request.path.strip("/"))
            return Reply(302, {"Location": f"/{left - 1}"}, b"") if left else Reply(200, {}, b"there")

        with StubServer(countdown) as site:
            five = await guard.fetch(f"http://shop.example:{site.port}/5")
            assert (five.status, len(five.redirects)) == (200, 5)
            before = len(site.requests)
            with pytest.raises(OutboundFailed) as failed:
                await guard.fetch(f"http://shop.example:{site.port}/6")
        assert failed.value.reason == "too many redirects"
        assert [r.path for r in site.requests[before:]] == ["/6", "/5", "/4", "/3", "/2", "/1"]  # /0 is not asked

    async def test_the_body_is_cut_at_five_megabytes_whatever_is_asked(self, guard: OutboundGuard) -> None:
        page = b"x" * (MAX_BODY_BYTES + 1024 * 1024)
        with StubServer(lambda _: Reply(200, {}, page)) as site:
            capped = await guard.fetch(f"http://shop.example:{site.port}/", max_bytes=10 * MAX_BODY_BYTES)
            small = await guard.fetch(f"http://shop.example:{site.port}/", max_bytes=10)
        assert (len(capped.body), capped.truncated) == (MAX_BODY_BYTES, True)
        assert (small.body, small.truncated) == (b"x" * 10, True)

    async def test_the_whole_fetch_ends_at_the_guards_limit_whatever_is_asked(self) -> None:
        hasty = OutboundGuard(allow=[f"{LOCAL}/32"], resolver=FakeResolver({"shop.example": [LOCAL]}), max_seconds=0.3)
        try:
            with StubServer(lambda _: Reply(200, {}, b"late")) as site:
                site.delay = 1.0
                started = time.monotonic()
                with pytest.raises(OutboundFailed) as failed:
                    await hasty.fetch(f"http://shop.example:{site.port}/", timeout=60)
                waited = time.monotonic() - started
        finally:
            await hasty.aclose()
        assert failed.value.reason == "timed out"
        assert waited < 0.9

    async def test_a_fetch_ends_within_its_own_shorter_timeout(self, guard: OutboundGuard) -> None:
        with StubServer(lambda _: Reply(200, {}, b"late")) as site:
            site.delay = 1.0
            started = time.monotonic()
            with pytest.raises(OutboundFailed, match="timed out"):
                await guard.fetch(f"http://shop.example:{site.port}/", timeout=0.2)
            assert time.monotonic() - started < 0.9

    async def test_a_refused_connection_fails_with_the_connection_error(self, guard: OutboundGuard) -> None:
        with pytest.raises(OutboundFailed) as failed:
            await guard.fetch(f"http://shop.example:{free_port()}/")
        assert failed.value.reason.startswith("ConnectError")


def self_signed(name: str, folder: Path) -> tuple[Path, Path]:
    """A certificate for `name` that is its own authority, and its key, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class TlsSite:
    """An HTTPS site on 127.0.0.1 with the given certificate; it records the SNI names and Host headers it sees."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        context.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secure")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOCAL, 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class TestFetchOverTls:
    @pytest.fixture
    async def secure(self, tmp_path: Path) -> AsyncIterator[tuple[TlsSite, OutboundGuard]]:
        cert_file, key_file = self_signed("shop.example", tmp_path)
        site = TlsSite(cert_file, key_file)
        trusting = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(cafile=str(cert_file)))
        resolver = FakeResolver({"shop.example": [LOCAL], "other.example": [LOCAL]})
        guard = OutboundGuard(allow=[f"{LOCAL}/32"], resolver=resolver, transport=trusting)
        yield site, guard
        await guard.aclose()
        site.stop()

    async def test_the_pinned_connection_sends_the_host_name_as_sni_and_verifies_it(
        self, secure: tuple[TlsSite, OutboundGuard]
    ) -> None:
        site, guard = secure
        fetched = await guard.fetch(f"https://shop.example:{site.port}/")
        assert (fetched.status, fetched.body, str(fetched.address)) == (200, b"secure", LOCAL)
        assert (site.server_names, site.hosts) == (["shop.example"], [f"shop.example:{site.port}"])

    async def test_a_certificate_for_another_name_fails_the_fetch(self, secure: tuple[TlsSite, OutboundGuard]) -> None:
        site, guard = secure
        with pytest.raises(OutboundFailed) as failed:
            await guard.fetch(f"https://other.example:{site.port}/")
        assert "CERTIFICATE_VERIFY_FAILED" in failed.value.reason
        assert site.hosts == []


class TestSystemResolver:
    @pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://localhost/"])
    async def test_loopback_spelled_as_a_host_name_is_refused_once_resolved(self, url: str) -> None:
        guard = OutboundGuard()
        try:
            with pytest.raises(OutboundRefused, match=r"resolves to .*, which is a loopback address"):
                await guard.check(url)
        finally:
            await guard.aclose()

    async def test_a_name_the_system_resolver_cannot_encode_is_refused(self) -> None:
        guard = OutboundGuard()
        try:
            with pytest.raises(OutboundRefused, match="not a valid host name"):
                await guard.check(f"https://{'a' * 64}.com/")
        finally:
            await guard.aclose()
