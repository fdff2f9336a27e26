"""`ResendMailer`: the `Mailer` port on Resend's HTTP API (`POST /emails`).

Each mailer owns one `httpx.AsyncClient` (its own key, explicit timeouts, closed by `aclose`). Resend's
failures leave this module as domain errors: what a later retry can fix is `Unavailable`, what the e-mail
itself gets wrong is a `ValidationError`, and what only ARCO's operators can fix (a revoked key, an
unverified sending domain) is a `MailProviderError`.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import httpx
import msgspec

from arco_adapters.http_retry import TransientApiError, retry_after
from arco_domain.errors import ArcoError, Conflict, ProviderError, ValidationError
from arco_domain.model.notifications import OutgoingEmail
from arco_ports.mailer import MailLog

RESEND_API = "https://api.resend.com"

IDEMPOTENCY_KEY_LIMIT = 256
"""The longest `Idempotency-Key` Resend accepts; it answers a longer one with 400 `invalid_idempotency_key`."""

RETRYABLE_STATUSES = frozenset({408, 429})
"""Refusals that say "not now" rather than "not this": a request timeout (408), and the rate limit and the
daily and monthly quotas (429)."""


class _Sent(msgspec.Struct, forbid_unknown_fields=False):
    """Resend's answer to an accepted e-mail; it may add fields, which are ignored."""

    id: Annotated[str, msgspec.Meta(min_length=1)]


class _Refused(msgspec.Struct, forbid_unknown_fields=False):
    """Resend's error answer, `{"statusCode", "name", "message"}`."""

    name: str | None = None
    message: str | None = None


class MailProviderError(ProviderError):
    """Resend refused to send for a reason ARCO's operators must fix (a revoked key, an unverified domain)."""

    code = "mail-provider-error"


class MailProviderUnavailable(TransientApiError):
    """Resend could not take the e-mail now. `retry_after` is its advice in seconds, when it gave one."""


def idempotency_key(dedupe_key: str) -> str:
    """The `Idempotency-Key` for an e-mail: its `dedupe_key`, when Resend can take it as it is.

    A key longer than Resend's limit, or with characters an HTTP header cannot carry, is replaced by its
    SHA-256, so that such an e-mail is still sent, and still once.
    """
    if 0 < len(dedupe_key) <= IDEMPOTENCY_KEY_LIMIT and all("!" <= c <= "~" for c in dedupe_key):
        return dedupe_key
    return "sha256-" + hashlib.sha256(dedupe_key.encode()).hexdigest()


class ResendMailer:
    """The `Mailer` port on Resend, writing each delivered e-mail to `log` when one is given.

    Resend replays the first answer to an `Idempotency-Key` for 24 hours, so a retried send is delivered
    once within that window; with a `log`, an e-mail the log already shows as sent is never posted again,
    whenever the retry comes. A failure to write the log after Resend accepted the e-mail is raised, so the
    caller retries: Resend then answers with the same message id and the log is written.
    """

    def __init__(
        self,
        api_key: str,
        *,
        sender: str,
        base_url: str = RESEND_API,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        log: MailLog | None = None,
    ) -> None:
        if not api_key or not sender:
            raise ValueError("Resend needs an API key and a sender address")
        self._sender = sender
        self._log = log
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"Authorization": f"Bearer {api_key}"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def send(self, email: OutgoingEmail) -> None:
        if self._log is not None and await self._log.is_sent(email.dedupe_key):
            return
        message_id = await self._post(email)
        if self._log is not None:
            await self._log.send(email)
            await self._log.mark_sent(email.dedupe_key, message_id)

    async def _post(self, email: OutgoingEmail) -> str:
        """Resend's message id for `email`, posted under its idempotency key."""
        payload = {"from": self._sender, "to": list(email.to), "subject": email.subject, "text": email.text}
        if email.html is not None:
            payload["html"] = email.html
        try:
            response = await self._http.post(
                "/emails", json=payload, headers={"Idempotency-Key": idempotency_key(email.dedupe_key)}
            )
        except httpx.TransportError as error:
            # A timeout may hide a delivered e-mail; the retry repeats the key, so Resend will not send it twice.
            raise MailProviderUnavailable("the mail provider cannot be reached; try again later") from error
        if response.is_success:
            try:
                return msgspec.json.decode(response.content, type=_Sent).id
            except msgspec.DecodeError as error:
                raise MailProviderError("the mail provider accepted the e-mail without a message id") from error
        raise _refusal(response)


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from `Retry-After` or else `ratelimit-reset` (Resend sends both as seconds)."""
    hinted = retry_after(headers)
    if hinted is not None:
        return hinted
    return retry_after(httpx.Headers({"retry-after": headers.get("ratelimit-reset", "")}))


def _refusal(response: httpx.Response) -> ArcoError:
    """Resend's error answer as a domain error."""
    try:
        body = msgspec.json.decode(response.content, type=_Refused)
    except msgspec.DecodeError:
        body = _Refused()
    name = body.name
    message = body.message or response.reason_phrase or "no details"
    status = response.status_code
    if status in RETRYABLE_STATUSES or status >= 500:
        return MailProviderUnavailable(
            f"the mail provider is not taking e-mails now ({status}); try again later",
            retry_after=_retry_after(response.headers),
        )
    if status == 409 and name == "concurrent_idempotent_requests":
        return MailProviderUnavailable(
            "the mail provider is still sending this e-mail; try again later",
            retry_after=_retry_after(response.headers),
        )
    if status == 409:
        return Conflict(f"the mail provider refused a repeated send with other content: {message}")
    if status in (401, 403):
        return MailProviderError(f"the mail provider refused to send: {message}")
    return ValidationError(f"the mail provider refused the e-mail: {message}")
