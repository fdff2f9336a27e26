from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_adapters.ads.errors import AdRateLimited
from arco_domain.errors import NotFound, Unavailable, ValidationError
from arco_entrypoints.worker.retries import FIRST_DELAY, LONGEST_DELAY, retry_delay


class Throttled(Unavailable):
    def __init__(self, retry_after: float | None) -> None:
        super().__init__("slow down")
        self.retry_after = retry_after


class TestRetryDelay:
    def test_transient_failures_back_off_exponentially(self) -> None:
        delays = [retry_delay(Unavailable("down"), attempt) for attempt in range(1, 5)]
        assert delays == [FIRST_DELAY, FIRST_DELAY * 2, FIRST_DELAY * 4, FIRST_DELAY * 8]

    def test_the_providers_retry_after_is_honoured(self) -> None:
        assert retry_delay(Throttled(42), 1) == 42.0
        assert retry_delay(Throttled(None), 2) == FIRST_DELAY * 2

    @pytest.mark.parametrize("error", [ValidationError("bad"), NotFound("ticket", 1), RuntimeError("bug")])
    def test_permanent_failures_are_not_retried(self, error: Exception) -> None:
        assert retry_delay(error, 1) is None

    def test_network_errors_are_transient(self) -> None:
        assert retry_delay(ConnectionResetError(), 1) == FIRST_DELAY
        assert retry_delay(TimeoutError(), 3) == FIRST_DELAY * 4

    @given(attempt=st.integers(min_value=1, max_value=60), hint=st.one_of(st.none(), st.floats(0, 1e9)))
    def test_no_delay_exceeds_the_longest(self, attempt: int, hint: float | None) -> None:
        delay = retry_delay(Throttled(hint), attempt)
        assert delay is not None and 0 <= delay <= LONGEST_DELAY

    def test_a_daily_cap_is_left_to_the_next_scheduled_run_unless_the_provider_said_when(self) -> None:
        assert retry_delay(AdRateLimited("daily operations spent", daily_cap=True), 1) is None
        assert retry_delay(AdRateLimited("daily operations spent", retry_after=300, daily_cap=True), 1) == 300.0
        assert retry_delay(AdRateLimited("slow down"), 1) == FIRST_DELAY
