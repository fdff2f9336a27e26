"""Safe retries on Stripe's terms: an authenticated `POST` with an `Idempotency-Key` header runs once.

The answer of a request that ran (a success, or a refusal of what it asked, such as a 409 over quota) is
kept per caller (the client, or the staff user) and key, and replayed byte for byte, with
`Idempotent-Replayed: true`, to a retry of the same request (method, path and body). The same key on another
request is refused (422 `idempotency-key-reused`), a retry while the first is still running too (409
`idempotency-key-in-flight`). A request refused before it ran (its input, its caller's rights or its rate),
a 5xx or an exception gives the key back, so a corrected request or a retry may use it. Requests without the
header, other methods and anonymous routes are left alone.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from uuid import UUID

from litestar.enums import ScopeType
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Operation, Parameter, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from arco_domain.errors import Conflict, ValidationError
from arco_domain.model.access import Principal
from arco_entrypoints.container import Container
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.providing import resolve
from arco_ports.idempotency import Claimed, Completed, IdempotencyStore, InFlight, KeyReused, StoredResponse

HEADER = "Idempotency-Key"
REPLAYED = (b"idempotent-replayed", b"true")
MAX_KEY_LENGTH = 255
REFUSED_BEFORE_RUNNING = frozenset({400, 401, 403, 422, 429})
"""Answers to a request that was refused rather than run: bad input, an unknown caller or one without the
right, too many requests. As Stripe does, nothing is kept for them under the key."""
log = logging.getLogger("arco.http")


class IdempotencyKeyInFlight(Conflict):
    """A retry arrived while the first request with its key was still running."""

    code = "idempotency-key-in-flight"


class IdempotencyKeyReused(ValidationError):
    """The key was first used for another request (another path or body)."""

    code = "idempotency-key-reused"


def idempotency_key(scope: Scope) -> str | None:
    """The request's key, `None` without the header; a malformed or repeated header is refused (400)."""
    values = [value for name, value in scope["headers"] if name.lower() == b"idempotency-key"]
    if not values:
        return None
    if len(values) > 1 or not 1 <= len(values[0]) <= MAX_KEY_LENGTH or any(b < 0x20 or b > 0x7E for b in values[0]):
        message = f"{HEADER} must be one value of 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        raise ValidationException(detail=message, extra=[{"key": HEADER, "source": "header", "message": message}])
    return values[0].decode("ascii")


def fingerprint(method: str, target: bytes, body: bytes) -> str:
    """What makes two requests the same one: method, path with query, and body. Parts are length-prefixed so
    that no two different requests hash the same input."""
    digest = hashlib.sha256()
    for part in (method.encode("ascii"), target, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def owner_of(principal: Principal) -> UUID:
    """Keys belong to the client (shared by its team), or to the user for staff, who have no client."""
    return principal.client_id if principal.client_id is not None else principal.user_id


@dataclass
class _Captured:
    status: int | None = None
    headers: list[tuple[bytes, bytes]] | None = None
    body: bytearray | None = None

    def keep(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.body = bytearray()
        elif message["type"] == "http.response.body" and self.body is not None:
            self.body += message.get("body", b"")

    def response(self) -> StoredResponse | None:
        if self.status is None or self.headers is None or self.body is None:
            return None
        headers = tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in self.headers)
        return StoredResponse(self.status, headers, bytes(self.body))


class IdempotencyMiddleware:
    """Runs after authentication: it needs the caller (`scope["user"]`) to know whose key it is."""

    def __init__(self, app: ASGIApp, *, container: Container) -> None:
        self.app = app
        self._store = container.adapters.container.idempotency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller = scope.get("user")
        if scope["type"] != ScopeType.HTTP or scope["method"] != "POST" or not isinstance(caller, Principal):
            await self.app(scope, receive, send)
            return
        key = idempotency_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(scope, receive)
        if body is None:
            return
        query = scope["query_string"]
        target = scope["path"].encode() + (b"?" + query if query else b"")
        store = await resolve(self._store)
        owner = owner_of(caller)
        match await store.claim(owner, key, fingerprint(scope["method"], target, body)):
            case Completed(response):
                await _replay(response, send)
                return
            case InFlight():
                raise IdempotencyKeyInFlight(f"a request with this {HEADER} is still being processed; retry later")
            case KeyReused():
                raise IdempotencyKeyReused(f"this {HEADER} was used for another request")
            case Claimed():
                pass
        await self._run_once(store, owner, key, scope, _receive_once(body, receive), send)

    async def _run_once(
        self, store: IdempotencyStore, owner: UUID, key: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        captured = _Captured()

        async def capture(message: Message) -> None:
            captured.keep(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await _give_back(store, owner, key)
            raise
        response = captured.response()
        if response is None or not ran(response.status):
            await _give_back(store, owner, key)
        else:
            try:
                await store.complete(owner, key, response)
            except Exception:
                # The work is done: answer it. The key stays in flight until it expires.
                log.exception("could not keep the response for an idempotency key")
        if response is not None:
            await _send(response, [], send)


def ran(status: int) -> bool:
    """Whether an answer with `status` is the outcome of running the request, to be kept and replayed: not
    a refusal before it ran, nor a failure (5xx) that a retry should run again."""
    return status < 500 and status not in REFUSED_BEFORE_RUNNING


async def _give_back(store: IdempotencyStore, owner: UUID, key: str) -> None:
    try:
        await store.release(owner, key)
    except Exception:
        # What failed the request matters more; the key stays in flight until it expires.
        log.exception("could not release an idempotency key")


async def _read_body(scope: Scope, receive: Receive) -> bytes | None:
    handler = scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # the client went away before sending its whole request
        body += message.get("body", b"")
        if limit is not None and len(body) > limit:
            raise ClientException(detail="the request body is too large", status_code=413)
        if not message.get("more_body", False):
            return bytes(body)


def _receive_once(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body to the app, then whatever the client sends next (a disconnect)."""
    delivered = False

    async def replayed() -> ReceiveMessage:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _replay(response: StoredResponse, send: Send) -> None:
    await _send(response, [REPLAYED], send)


async def _send(response: StoredResponse, extra: list[tuple[bytes, bytes]], send: Send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": [*headers, *extra]})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


IDEMPOTENCY_KEY_PARAMETER = Parameter(
    name=HEADER,
    param_in="header",
    required=False,
    description=(
        "Makes the request safe to retry: the answer of a request that ran (a success, or a refusal such as "
        "409 `quota-exceeded`) is kept for 24 hours and replayed, with `Idempotent-Replayed: true`, to any retry "
        "with the same key, path and body. Nothing is kept for a request refused before it ran (400, 401, 403, "
        "422, 429) or failed (5xx): the key may be used again. The same key with another request answers 422 "
        "`idempotency-key-reused`; a retry while the first is still running answers 409 "
        "`idempotency-key-in-flight`. Keys are per client (per user for staff); use a fresh UUID per operation."
    ),
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_KEY_LENGTH, pattern="^[\\x20-\\x7E]+$"),
)


@dataclass
class IdempotentOperation(Operation):
    """An operation that documents the `Idempotency-Key` header next to its own parameters."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), IDEMPOTENCY_KEY_PARAMETER]


class IdempotencyKeyDocs(ReceiveRoutePlugin):
    """Documents the header on every authenticated `POST` route as it is registered."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if "POST" in handler.http_methods and not handler.opt.get(PUBLIC) and handler.operation_class is Operation:
                handler.operation_class = IdempotentOperation
