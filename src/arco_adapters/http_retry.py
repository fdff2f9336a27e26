"""Calling a remote HTTP API patiently: a few attempts with exponential backoff and jitter, waiting as long
as the provider asked (`Retry-After` and its kin) when it said so, within a bound.

Only `TransientApiError` and transport failures (a refused connection, a timeout) are tried again; every
other error is a refusal that another attempt cannot change and leaves at once. A provider that asks for a
longer wait than `RetryPolicy.longest_hint` ends the call with its `TransientApiError`, whose `retry_after`
lets the worker's own job retry come back at the right time instead of holding a connection open.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from arco_domain.errors import Unavailable

T = TypeVar("T")


class TransientApiError(Unavailable):
    """The provider could not answer now. `retry_after` is its advice in seconds, when it gave one.

    `retry_within_call` is False for a limit no short wait lifts (a daily cap): the call ends at once and
    only a later job run can try again.
    """

    def __init__(self, detail: str, *, retry_after: float | None = None, retry_within_call: bool = True) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.retry_within_call = retry_within_call

    def facts(self) -> dict[str, Any]:
        return {} if self.retry_after is None else {"retry_after": self.retry_after}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` in all (the first included); waits grow from `first_delay` to at most `longest_delay`."""

    attempts: int = 4
    first_delay: float = 0.5
    longest_delay: float = 20.0
    longest_hint: float = 60.0


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header, given in seconds or as an HTTP date; None without one."""
    value = headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            return None
        return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    service: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """The result of `call`, tried again on transient failures as `policy` allows.

    A transport failure on the last attempt leaves as a `TransientApiError` naming `service`.
    """

    async def attempt() -> T:
        try:
            return await call()
        except httpx.TransportError as error:
            raise TransientApiError(f"{service} cannot be reached ({type(error).__name__}); try again later") from error

    backoff = wait_exponential_jitter(
        multiplier=policy.first_delay, max=policy.longest_delay, jitter=policy.first_delay
    )

    def wait(state: RetryCallState) -> float:
        hint = _hint(state)
        return backoff(state) if hint is None else hint

    def worth_retrying(error: BaseException) -> bool:
        if not isinstance(error, TransientApiError) or not error.retry_within_call:
            return False
        return error.retry_after is None or error.retry_after <= policy.longest_hint

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(worth_retrying),
        sleep=sleep,
        reraise=True,
    )
    return await retrying(attempt)


def _hint(state: RetryCallState) -> float | None:
    error = state.outcome.exception() if state.outcome is not None else None
    hint = getattr(error, "retry_after", None)
    return float(hint) if isinstance(hint, int | float) else None
