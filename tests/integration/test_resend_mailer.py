"""`ResendMailer` through httpx and HTTP, against a local stub of Resend's `POST /emails`.

The stub answers as Resend's API reference describes: `{"id": ...}` on success, `{"statusCode", "name",
"message"}` on failure, the first answer again for a repeated `Idempotency-Key` with the same body and
409 `invalid_idempotent_request` for one with another body. It records every request it receives.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.postgres.mail_log import MailStatus, PostgresMailLog
from arco_adapters.resend.mailer import (
    IDEMPOTENCY_KEY_LIMIT,
    MailProviderError,
    MailProviderUnavailable,
    ResendMailer,
)
from arco_domain.errors import Conflict, Unavailable, ValidationError
from arco_domain.model.notifications import OutgoingEmail
from arco_ports.mailer import Mailer
from tests.stub_http import Reply, StubRequest, StubServer, free_port

API_KEY = "re_test_arco_stub"
SENDER = "ARCO <notifications@arco.test>"


def email(cause: str = "ticket-answered") -> OutgoingEmail:
    return OutgoingEmail(
        to=("owner@acme.test", "ops@acme.test"),
        subject="Your ticket was answered",
        text="Hello,\nthe agency replied to “Form broken”.\n",
        dedupe_key=f"{cause}/{uuid4()}",
    )


def resend_error(status: int, name: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "name": name, "message": message}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @classmethod
    def of(cls, request: StubRequest) -> Recorded:
        return cls(request.method, request.path, request.headers, request.json() if request.body else {})

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class ResendStub:
    """Resend's `POST /emails`, as far as the mailer uses it."""

    requests: list[Recorded] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    queued: deque[Reply] = field(default_factory=deque)
    _replays: dict[str, tuple[dict[str, Any], Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, body: dict[str, Any] | str, **headers: str) -> None:
        self.queued.append(Reply.html(status, body, headers) if isinstance(body, str) else Reply(status, headers, body))

    def respond(self, request: StubRequest) -> Reply:
        return self.answer(Recorded.of(request))

    def answer(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.queued:
                return self.queued.popleft()
            if (request.method, request.path) != ("POST", "/emails"):
                return Reply(404, {}, resend_error(404, "not_found", "The requested endpoint does not exist."))
            key = request.idempotency_key
            if key is not None and key in self._replays:
                body, reply = self._replays[key]
                if body == request.body:
                    return reply
                message = "Same idempotency key used with a different request payload."
                return Reply(409, {}, resend_error(409, "invalid_idempotent_request", message))
            self.delivered.append(request.body)
            reply = Reply(200, {}, {"id": str(uuid4())})
            if key is not None:
                self._replays[key] = (request.body, reply)
            return reply


@pytest.fixture
def resend() -> ResendStub:
    return ResendStub()


@pytest.fixture
def stub(resend: ResendStub) -> Iterator[StubServer]:
    with StubServer(resend.respond) as server:
        yield server


@pytest.fixture
async def mailer(stub: StubServer) -> AsyncIterator[ResendMailer]:
    mailer = ResendMailer(API_KEY, sender=SENDER, base_url=stub.url, timeout=5)
    yield mailer
    await mailer.aclose()


@pytest.fixture
def mail_log(agency_engine: AsyncEngine) -> PostgresMailLog:
    return PostgresMailLog(agency_engine)


@pytest.fixture
async def logging_mailer(stub: StubServer, mail_log: PostgresMailLog) -> AsyncIterator[ResendMailer]:
    mailer = ResendMailer(API_KEY, sender=SENDER, base_url=stub.url, timeout=5, log=mail_log)
    yield mailer
    await mailer.aclose()


async def logged(mail_log: PostgresMailLog, dedupe_key: str) -> list[tuple[MailStatus, str | None]]:
    return [
        (entry.status, entry.provider_message_id)
        for entry in await mail_log.recent(100)
        if entry.email.dedupe_key == dedupe_key
    ]


class TestResendMailerConstruction:
    def test_a_mailer_needs_an_api_key_and_a_sender(self) -> None:
        with pytest.raises(ValueError, match="API key"):
            ResendMailer("", sender=SENDER)
        with pytest.raises(ValueError, match="sender"):
            ResendMailer(API_KEY, sender="")


class TestResendMailerSend:
    async def test_an_email_is_posted_as_json_from_the_sender_with_the_bearer_key(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        port: Mailer = mailer
        message = email()
        await port.send(message)
        [request] = resend.requests
        assert (request.method, request.path) == ("POST", "/emails")
        assert request.headers["authorization"] == f"Bearer {API_KEY}"
        assert request.headers["content-type"] == "application/json"
        assert request.body == {
            "from": SENDER,
            "to": ["owner@acme.test", "ops@acme.test"],
            "subject": "Your ticket was answered",
            "text": "Hello,\nthe agency replied to “Form broken”.\n",
        }

    async def test_the_idempotency_key_is_the_dedupe_key(self, mailer: ResendMailer, resend: ResendStub) -> None:
        message = email()
        await mailer.send(message)
        assert [r.idempotency_key for r in resend.requests] == [message.dedupe_key]

    async def test_the_same_email_sent_twice_repeats_its_idempotency_key_and_is_delivered_once(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        message = email()
        await mailer.send(message)
        await mailer.send(message)
        keys = [r.idempotency_key for r in resend.requests]
        assert keys == [message.dedupe_key, message.dedupe_key]
        assert len(resend.delivered) == 1

    async def test_two_emails_with_different_causes_are_both_delivered(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        await mailer.send(email())
        await mailer.send(email())
        assert len({r.idempotency_key for r in resend.requests}) == 2
        assert len(resend.delivered) == 2

    @pytest.mark.parametrize(
        "dedupe_key",
        ["x" * (IDEMPOTENCY_KEY_LIMIT + 1), "ticket-answered/café", "two words"],
        ids=["too-long", "non-ascii", "space"],
    )
    async def test_a_dedupe_key_no_header_can_carry_is_sent_as_a_stable_hash(
        self, mailer: ResendMailer, resend: ResendStub, dedupe_key: str
    ) -> None:
        message = OutgoingEmail(to=("owner@acme.test",), subject="Hi", text="Hi", dedupe_key=dedupe_key)
        await mailer.send(message)
        await mailer.send(message)
        first, second = (r.idempotency_key for r in resend.requests)
        assert first is not None and first.startswith("sha256-")
        assert len(first) <= IDEMPOTENCY_KEY_LIMIT
        assert first == second
        assert len(resend.delivered) == 1


class TestResendMailerRefusals:
    async def test_a_rate_limit_is_unavailable_with_resends_retry_after(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        message = "Too many requests. You can only make 2 requests per second."
        resend.fail(429, resend_error(429, "rate_limit_exceeded", message), **{"Retry-After": "2"})
        with pytest.raises(Unavailable) as refused:
            await mailer.send(email())
        assert isinstance(refused.value, MailProviderUnavailable)
        assert refused.value.retry_after == 2.0
        assert refused.value.facts() == {"retry_after": 2.0}

    async def test_without_retry_after_the_rate_limit_reset_is_the_advice(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        body = resend_error(429, "daily_quota_exceeded", "You have reached your daily email sending quota.")
        resend.fail(429, body, **{"ratelimit-reset": "3600"})
        with pytest.raises(MailProviderUnavailable) as refused:
            await mailer.send(email())
        assert refused.value.retry_after == 3600.0

    async def test_a_server_error_is_unavailable_without_advice(self, mailer: ResendMailer, resend: ResendStub) -> None:
        resend.fail(500, resend_error(500, "application_error", "An unexpected error occurred."))
        with pytest.raises(MailProviderUnavailable) as refused:
            await mailer.send(email())
        assert refused.value.retry_after is None
        assert refused.value.facts() == {}

    async def test_a_gateway_error_page_that_is_not_json_is_unavailable(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        resend.fail(502, "<html><body>502 Bad Gateway</body></html>", **{"Retry-After": "soon"})
        with pytest.raises(MailProviderUnavailable) as refused:
            await mailer.send(email())
        assert refused.value.retry_after is None

    async def test_a_refused_email_is_a_validation_error_with_resends_message(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        body = resend_error(422, "missing_required_field", "Missing `to` field.")
        resend.fail(422, body)
        with pytest.raises(ValidationError, match="Missing `to` field"):
            await mailer.send(email())

    async def test_a_malformed_field_is_a_validation_error(self, mailer: ResendMailer, resend: ResendStub) -> None:
        resend.fail(400, resend_error(400, "validation_error", "Invalid `to` field."))
        with pytest.raises(ValidationError, match="Invalid `to` field"):
            await mailer.send(email())

    @pytest.mark.parametrize(
        ("status", "name", "message"),
        [
            (401, "missing_api_key", "Missing API key in the authorization header."),
            (403, "invalid_api_key", "API key is invalid."),
            (403, "validation_error", "The arco.test domain is not verified. Please, add and verify your domain."),
        ],
    )
    async def test_a_refused_key_or_sending_domain_is_a_provider_error_and_not_the_emails_fault(
        self, mailer: ResendMailer, resend: ResendStub, status: int, name: str, message: str
    ) -> None:
        resend.fail(status, resend_error(status, name, message))
        with pytest.raises(MailProviderError) as refused:
            await mailer.send(email())
        assert not isinstance(refused.value, ValidationError | Unavailable)
        assert message in refused.value.detail

    async def test_a_key_reused_for_another_email_is_a_conflict(self, mailer: ResendMailer, resend: ResendStub) -> None:
        first = email()
        await mailer.send(first)
        with pytest.raises(Conflict, match="different request payload"):
            await mailer.send(
                OutgoingEmail(to=first.to, subject="Changed", text=first.text, dedupe_key=first.dedupe_key)
            )
        assert len(resend.delivered) == 1

    async def test_a_send_still_in_progress_at_resend_is_unavailable(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        message = "Same idempotency key used while original request is still in progress."
        resend.fail(409, resend_error(409, "concurrent_idempotent_requests", message), **{"Retry-After": "1"})
        with pytest.raises(MailProviderUnavailable) as refused:
            await mailer.send(email())
        assert refused.value.retry_after == 1.0

    async def test_an_answer_without_a_message_id_is_a_provider_error(
        self, mailer: ResendMailer, resend: ResendStub
    ) -> None:
        resend.fail(200, {"object": "email"})
        with pytest.raises(MailProviderError, match="message id"):
            await mailer.send(email())

    async def test_a_refused_connection_is_unavailable(self) -> None:
        mailer = ResendMailer(API_KEY, sender=SENDER, base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
        try:
            with pytest.raises(Unavailable):
                await mailer.send(email())
        finally:
            await mailer.aclose()

    async def test_an_answer_slower_than_the_timeout_is_unavailable(self, stub: StubServer, resend: ResendStub) -> None:
        stub.delay = 1.0
        mailer = ResendMailer(API_KEY, sender=SENDER, base_url=stub.url, timeout=0.2)
        try:
            started = time.monotonic()
            with pytest.raises(Unavailable):
                await mailer.send(email())
            assert time.monotonic() - started < 0.9
        finally:
            await mailer.aclose()


class TestResendMailerWithLog:
    async def test_a_delivered_email_is_logged_as_sent_with_resends_message_id(
        self, logging_mailer: ResendMailer, resend: ResendStub, mail_log: PostgresMailLog
    ) -> None:
        message = email()
        await logging_mailer.send(message)
        [delivered] = resend.delivered
        [entry] = [e for e in await mail_log.recent(100) if e.email.dedupe_key == message.dedupe_key]
        assert entry.email == message
        assert delivered["subject"] == message.subject
        assert entry.status is MailStatus.SENT
        assert entry.provider_message_id is not None and len(entry.provider_message_id) == 36

    async def test_an_email_the_log_shows_as_sent_is_not_posted_again(
        self, logging_mailer: ResendMailer, resend: ResendStub, mail_log: PostgresMailLog
    ) -> None:
        message = email()
        await logging_mailer.send(message)
        await logging_mailer.send(message)
        assert len(resend.requests) == 1
        assert len(await logged(mail_log, message.dedupe_key)) == 1

    async def test_an_email_resend_refused_is_not_logged(
        self, logging_mailer: ResendMailer, resend: ResendStub, mail_log: PostgresMailLog
    ) -> None:
        message = email()
        resend.fail(422, resend_error(422, "missing_required_field", "Missing `subject` field."))
        with pytest.raises(ValidationError):
            await logging_mailer.send(message)
        assert await logged(mail_log, message.dedupe_key) == []

    async def test_a_retry_after_a_rate_limit_is_delivered_and_logged_once(
        self, logging_mailer: ResendMailer, resend: ResendStub, mail_log: PostgresMailLog
    ) -> None:
        message = email()
        resend.fail(429, resend_error(429, "rate_limit_exceeded", "Too many requests."), **{"Retry-After": "1"})
        with pytest.raises(Unavailable):
            await logging_mailer.send(message)
        await logging_mailer.send(message)
        assert len(resend.delivered) == 1
        assert [status for status, _ in await logged(mail_log, message.dedupe_key)] == [MailStatus.SENT]

    async def test_with_its_log_unreachable_the_mailer_sends_nothing(
        self, stub: StubServer, resend: ResendStub, tmp_path: Path
    ) -> None:
        engine = create_async_engine(f"postgresql+asyncpg://arco_app@/arco?host={tmp_path}/no-such-socket")
        mailer = ResendMailer(API_KEY, sender=SENDER, base_url=stub.url, log=PostgresMailLog(engine))
        try:
            with pytest.raises(Unavailable):
                await mailer.send(email())
        finally:
            await mailer.aclose()
            await engine.dispose()
        assert resend.requests == []
