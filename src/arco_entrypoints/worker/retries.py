"""When a failed job is tried again: transient failures back off exponentially (or as the provider
asked, through `Retry-After`); permanent ones are not retried."""

from __future__ import annotations

from arco_domain.errors import Unavailable

FIRST_DELAY = 5.0
LONGEST_DELAY = 600.0


def retry_delay(error: BaseException, attempt: int) -> float | None:
    """Seconds before attempt `attempt + 1` after `error` ended attempt `attempt` (1-based), or `None` when
    trying again cannot help: a refusal, a bug, a misconfiguration."""
    if not isinstance(error, Unavailable | ConnectionError | TimeoutError):
        return None
    hinted = getattr(error, "retry_after", None)
    if hinted is None and getattr(error, "retry_within_call", True) is False:
        return None  # a limit no short wait lifts (a daily cap): the next scheduled run tries again
    if isinstance(hinted, int | float) and hinted >= 0:
        return float(min(hinted, LONGEST_DELAY))
    return float(min(FIRST_DELAY * 2 ** (attempt - 1), LONGEST_DELAY))
