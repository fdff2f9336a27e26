"""`call_with_retries` and `retry_after`, with a stand-in for `asyncio.sleep` that records each wait and returns."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from arco_adapters.http_retry import RetryPolicy, TransientApiError, call_with_retries, retry_after
from arco_domain.errors import ValidationError

POLICY = RetryPolicy(attempts=4, first_delay=0.5, longest_delay=20.0, longest_hint=60.0)


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Flaky:
    """A call that raises the given errors in turn, then answers "done"; counts how often it was made."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


class TestCallWithRetries:
    async def test_a_call_that_succeeds_is_made_once_without_waiting(self, sleeper: Sleeper) -> None:
        call = Flaky()
        assert await call_with_retries(call, POLICY, service="Example API", sleep=sleeper) == "done"
        assert (call.calls, sleeper.waits) == (1, [])

    async def test_a_transient_failure_is_tried_again_until_it_succeeds(self, sleeper: Sleeper) -> None:
        call = Flaky(TransientApiError("busy"), TransientApiError("still busy"))
        assert await call_with_retries(call, POLICY, service="Example API", sleep=sleeper) == "done"
        assert call.calls == 3
        assert len(sleeper.waits) == 2

    async def test_the_providers_retry_after_is_the_wait(self, sleeper: Sleeper) -> None:
        call = Flaky(TransientApiError("slow down", retry_after=12.5), TransientApiError("slow down", retry_after=0))
        await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert sleeper.waits == [12.5, 0.0]

    async def test_without_advice_the_waits_back_off_within_the_longest_delay(self, sleeper: Sleeper) -> None:
        policy = RetryPolicy(attempts=8, first_delay=0.5, longest_delay=3.0)
        call = Flaky(*(TransientApiError("busy") for _ in range(7)))
        await call_with_retries(call, policy, service="Example API", sleep=sleeper)
        assert len(sleeper.waits) == 7
        assert sleeper.waits[0] >= 0.5
        assert all(0 < wait <= 3.0 for wait in sleeper.waits)
        assert sleeper.waits[-1] == 3.0

    async def test_it_gives_up_after_the_attempts_with_the_last_failure(self, sleeper: Sleeper) -> None:
        last = TransientApiError("down for good")
        call = Flaky(TransientApiError("down"), TransientApiError("down"), TransientApiError("down"), last)
        with pytest.raises(TransientApiError) as failed:
            await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert failed.value is last
        assert (call.calls, len(sleeper.waits)) == (POLICY.attempts, POLICY.attempts - 1)

    @pytest.mark.parametrize("error", [ValidationError("bad input", field="name"), RuntimeError("a bug")])
    async def test_other_errors_leave_at_once(self, sleeper: Sleeper, error: Exception) -> None:
        call = Flaky(error)
        with pytest.raises(type(error)) as failed:
            await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert failed.value is error
        assert (call.calls, sleeper.waits) == (1, [])

    async def test_a_transport_failure_is_tried_again(self, sleeper: Sleeper) -> None:
        call = Flaky(httpx.ConnectError("connection refused"))
        assert await call_with_retries(call, POLICY, service="Example API", sleep=sleeper) == "done"
        assert call.calls == 2

    async def test_a_lasting_transport_failure_ends_as_a_transient_error_naming_the_service(
        self, sleeper: Sleeper
    ) -> None:
        call = Flaky(*(httpx.ReadTimeout("timed out") for _ in range(POLICY.attempts)))
        with pytest.raises(TransientApiError, match=r"Example API cannot be reached \(ReadTimeout\)") as failed:
            await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert isinstance(failed.value.__cause__, httpx.ReadTimeout)
        assert failed.value.retry_after is None
        assert call.calls == POLICY.attempts

    async def test_advice_longer_than_the_longest_hint_ends_the_call_at_once(self, sleeper: Sleeper) -> None:
        throttled = TransientApiError("come back in ten minutes", retry_after=600)
        call = Flaky(throttled)
        with pytest.raises(TransientApiError) as failed:
            await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert failed.value is throttled
        assert failed.value.facts() == {"retry_after": 600}
        assert (call.calls, sleeper.waits) == (1, [])

    async def test_advice_of_exactly_the_longest_hint_is_still_waited_out(self, sleeper: Sleeper) -> None:
        call = Flaky(TransientApiError("a minute", retry_after=POLICY.longest_hint))
        await call_with_retries(call, POLICY, service="Example API", sleep=sleeper)
        assert sleeper.waits == [POLICY.longest_hint]


class TestRetryAfter:
    NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    @pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), ("0", 0.0), ("1.5", 1.5)])
    def test_advice_in_seconds_is_taken_as_is(self, header: str, seconds: float) -> None:
        assert retry_after(httpx.Headers({"Retry-After": header}), self.NOW) == seconds

    @pytest.mark.parametrize(
        ("header", "seconds"),
        [("Mon, 02 Mar 2026 09:01:30 GMT", 90.0), ("Mon, 02 Mar 2026 08:00:00 GMT", 0.0)],
        ids=["ahead", "already-past"],
    )
    def test_advice_as_an_http_date_is_the_time_left_until_then(self, header: str, seconds: float) -> None:
        assert retry_after(httpx.Headers({"Retry-After": header}), self.NOW) == seconds

    @pytest.mark.parametrize("header", ["", "soon", "-5", "nan", "inf", "2026-03-02 09:01:30"])
    def test_advice_that_is_not_a_usable_wait_is_none(self, header: str) -> None:
        assert retry_after(httpx.Headers({"Retry-After": header}), self.NOW) is None

    def test_no_header_is_no_advice(self) -> None:
        assert retry_after(httpx.Headers(), self.NOW) is None
