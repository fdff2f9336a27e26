"""A local HTTP server for tests that stand in for a remote API or web site.

`StubServer` listens on 127.0.0.1 (a free port unless one is given) in a daemon thread, records every
request it receives as a `StubRequest` and answers each through the callable the test supplies, which
returns a `Reply`: status, headers and a body that is either raw bytes or anything `json.dumps` takes.

    with StubServer(lambda request: Reply(200, {}, {"ok": True})) as server:
        httpx.get(server.url + "/ping")
        [ping] = server.requests

A client that hangs up before the answer (a timeout test, with `delay` set) is not an error.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

__all__ = ["Reply", "Responder", "StubRequest", "StubServer", "free_port"]


@dataclass(frozen=True)
class StubRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)


class Reply(NamedTuple):
    """An answer: `body` is sent as is when it is bytes, as JSON otherwise."""

    status: int
    headers: Mapping[str, str]
    body: object

    @classmethod
    def html(cls, status: int, page: str, headers: Mapping[str, str]) -> Reply:
        """An HTML page, such as a gateway's error page where an API answers JSON."""
        return cls(status, {"Content-Type": "text/html", **headers}, page.encode())


Responder = Callable[[StubRequest], Reply]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for a client that must fail to connect)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class StubServer:
    """An HTTP server on 127.0.0.1 that records each request and answers it through `respond`.

    `delay` (seconds, changeable at any time) holds every answer back after `respond` has chosen it.
    `stop` and `start` again serve on the same port, keeping the requests recorded so far.
    """

    def __init__(
        self,
        respond: Responder,
        *,
        delay: float = 0.0,
        port: int = 0,
        json_content_type: str = "application/json",
    ) -> None:
        self.respond = respond
        self.delay = delay
        self.port = port
        self.json_content_type = json_content_type
        self.requests: list[StubRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is None:
            server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
            server.daemon_threads = True
            self.port = server.server_address[1]
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
            self._thread.start()
            self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _record(self, request: StubRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _handler_for(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            request = StubRequest(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(int(self.headers.get("Content-Length") or 0)),
            )
            stub._record(request)
            status, headers, body = stub.respond(request)
            time.sleep(stub.delay)
            headers = dict(headers)
            if isinstance(body, bytes):
                payload = body
            else:
                payload = json.dumps(body).encode()
                if not any(name.lower() == "content-type" for name in headers):
                    headers = {"Content-Type": stub.json_content_type, **headers}
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except ConnectionError:
                pass  # the client gave up waiting; nobody is left to answer

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
