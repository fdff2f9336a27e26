"""Site performance measurement: how one site's Core Web Vitals and Lighthouse scores are obtained."""

from __future__ import annotations

from typing import Any, Protocol

from arco_domain.errors import Unavailable
from arco_domain.model.performance import PerformanceSample


class PerformanceUnavailable(Unavailable):
    """The measuring service could not measure now. `retry_after` is its advice in seconds, when it gave one."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def facts(self) -> dict[str, Any]:
        return {} if self.retry_after is None else {"retry_after": self.retry_after}


class PerformanceProbe(Protocol):
    async def measure(self, url: str) -> PerformanceSample:
        """Measure `url` once: a lab (Lighthouse) run, and the field data real visitors gave it, when there is any.

        Takes tens of seconds, within the adapter's timeouts; call it outside any transaction. Vitals the
        service has no field data for are None, never guessed. Raises `Unavailable` for what a later attempt
        may fix (the service's rate limits or its own failures, a timeout, an unreadable answer), as a
        `PerformanceUnavailable` carrying `retry_after` when the service said when to come back;
        `ValidationError` for a URL the service refuses to measure; `ProviderError` for what only ARCO's
        operators can fix (a missing or revoked key, the API not enabled).
        """
        ...
