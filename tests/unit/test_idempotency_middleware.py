"""The idempotency middleware at the ASGI level, over the memory store: what the HTTP tests cannot provoke."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers

from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.idempotency import MemoryIdempotencyStore
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import Principal
from arco_domain.model.clients import UserType
from arco_entrypoints.container import Container
from arco_entrypoints.http.idempotency import IdempotencyKeyReused, IdempotencyMiddleware, fingerprint
from arco_ports.idempotency import Claimed, InFlight
from tests.contracts.idempotency import NOW

CLIENT = Principal(UserId(uuid4()), UserType.CLIENT, ClientId(uuid4()))


@dataclass
class App:
    """An endpoint that records the bodies it received and answers `status`, crashing on the calls listed."""

    crash_on: Sequence[int] = ()
    status: int = 201
    bodies: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        if len(self.bodies) in self.crash_on:
            raise RuntimeError("a bug")
        answer = b'{"call": %d}' % len(self.bodies)
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer[:5], "more_body": True})
        await send({"type": "http.response.body", "body": answer[5:], "more_body": False})


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def replayed(self) -> bool:
        return (b"idempotent-replayed", b"true") in self.headers


@pytest.fixture
def store() -> MemoryIdempotencyStore:
    return MemoryIdempotencyStore(ManualClock(NOW))


@pytest.fixture
def app() -> App:
    return App()


def middleware(app: App, store: MemoryIdempotencyStore) -> IdempotencyMiddleware:
    container = Container()
    container.adapters.idempotency.override(providers.Object(store))
    return IdempotencyMiddleware(app, container=container)


async def call(
    app: App,
    store: MemoryIdempotencyStore,
    *chunks: bytes,
    key: bytes | None = b"key-1",
    method: str = "POST",
    query: bytes = b"",
    user: Principal | None = CLIENT,
) -> Answer | None:
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": "/v1/things",
        "query_string": query,
        "headers": [(b"content-type", b"application/json")] + ([(b"idempotency-key", key)] if key else []),
    }
    if user is not None:
        scope["user"] = user
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await middleware(app, store)(scope, receive, send)
    if not sent:
        return None
    return Answer(sent[0]["status"], list(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:]))


class TestIdempotencyMiddleware:
    async def test_a_retry_gets_the_first_answer_without_running_again(
        self, app: App, store: MemoryIdempotencyStore
    ) -> None:
        first = await call(app, store, b'{"a": 1}')
        retry = await call(app, store, b'{"a": 1}')
        assert first is not None and retry is not None
        assert (retry.status, retry.body) == (first.status, first.body) == (201, b'{"call": 1}')
        assert retry.replayed and not first.replayed
        assert app.bodies == [b'{"a": 1}']

    async def test_a_body_sent_in_chunks_is_the_same_request_as_the_whole_body(
        self, app: App, store: MemoryIdempotencyStore
    ) -> None:
        await call(app, store, b'{"a":', b" 1}")
        retry = await call(app, store, b'{"a": 1}')
        assert retry is not None and retry.replayed
        assert app.bodies == [b'{"a": 1}']

    async def test_an_exception_gives_the_key_back_so_that_the_retry_runs_again(
        self, store: MemoryIdempotencyStore
    ) -> None:
        app = App(crash_on=[1])
        with pytest.raises(RuntimeError):
            await call(app, store, b"{}")
        retry = await call(app, store, b"{}")
        assert retry is not None and not retry.replayed
        assert retry.body == b'{"call": 2}'

    async def test_another_query_string_with_the_same_key_is_another_request(
        self, app: App, store: MemoryIdempotencyStore
    ) -> None:
        await call(app, store, b"{}", query=b"notify=yes")
        with pytest.raises(IdempotencyKeyReused):
            await call(app, store, b"{}", query=b"notify=no")
        assert len(app.bodies) == 1

    async def test_the_request_holds_the_key_while_it_runs(self, store: MemoryIdempotencyStore) -> None:
        seen: list[object] = []
        target = fingerprint("POST", b"/v1/things", b"{}")

        class Peeking(App):
            async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
                seen.append(await store.claim(CLIENT.own_client(), "key-1", target))
                await super().__call__(scope, receive, send)

        await call(Peeking(), store, b"{}")
        assert seen == [InFlight()]

    async def test_staff_keys_belong_to_each_staff_user(self, app: App, store: MemoryIdempotencyStore) -> None:
        ana, ben = (Principal(UserId(uuid4()), UserType.ADMIN) for _ in range(2))
        await call(app, store, b"{}", user=ana)
        bens = await call(app, store, b"{}", user=ben)
        anas_retry = await call(app, store, b"{}", user=ana)
        assert bens is not None and not bens.replayed
        assert anas_retry is not None and anas_retry.replayed
        assert len(app.bodies) == 2

    @pytest.mark.parametrize(
        ("method", "user"), [("PATCH", CLIENT), ("POST", None)], ids=["not a POST", "anonymous caller"]
    )
    async def test_other_methods_and_anonymous_callers_run_every_time(
        self, app: App, store: MemoryIdempotencyStore, method: str, user: Principal | None
    ) -> None:
        for _ in range(2):
            answer = await call(app, store, b"{}", method=method, user=user)
            assert answer is not None and not answer.replayed
        assert len(app.bodies) == 2

    async def test_a_client_that_leaves_before_its_body_arrives_holds_no_key(
        self, app: App, store: MemoryIdempotencyStore
    ) -> None:
        assert await call(app, store) is None
        assert app.bodies == []
        assert await store.claim(CLIENT.own_client(), "key-1", "anything") == Claimed()

    @pytest.mark.parametrize("status", [400, 401, 403, 422, 429])
    async def test_a_request_refused_before_it_ran_gives_the_key_back_for_a_corrected_one(
        self, store: MemoryIdempotencyStore, status: int
    ) -> None:
        refused = await call(App(status=status), store, b'{"a": "wrong"}')
        assert refused is not None and refused.status == status
        corrected = App()
        answer = await call(corrected, store, b'{"a": 1}')
        assert answer is not None and (answer.status, answer.replayed) == (201, False)
        assert corrected.bodies == [b'{"a": 1}']

    @pytest.mark.parametrize("status", [200, 201, 404, 409])
    async def test_the_answer_of_a_request_that_ran_is_kept_and_replayed(
        self, store: MemoryIdempotencyStore, status: int
    ) -> None:
        app = App(status=status)
        first = await call(app, store, b"{}")
        retry = await call(app, store, b"{}")
        assert first is not None and retry is not None
        assert (retry.status, retry.body, retry.replayed) == (status, first.body, True)
        assert len(app.bodies) == 1
