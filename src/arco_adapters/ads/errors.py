"""How the ad platforms' refusals leave the adapters: one set of errors for Google Ads and Meta alike."""

from __future__ import annotations

from typing import Any

from arco_adapters.http_retry import TransientApiError
from arco_domain.errors import ProviderError, ValidationError


class AdGrantRevoked(ProviderError):
    """The client's grant no longer works (revoked, expired, wrong account): the account must be reconnected."""

    code = "ad-grant-revoked"


class AdPermissionDenied(ProviderError):
    """The grant works but may not read this account, or ARCO's own credentials (developer token,
    app review) do not allow the call."""

    code = "ad-permission-denied"


class AdRequestRefused(ValidationError):
    """The platform called the request malformed: a bug or a mis-typed account id, not a passing state."""


class AdPlatformUnavailable(TransientApiError):
    """The platform could not answer now (5xx, timeout, unreadable answer)."""


class AdRateLimited(AdPlatformUnavailable):
    """The platform throttled ARCO; `retry_after` is its advice (or ARCO's estimate) in seconds.

    `daily_cap` marks a limit that only resets the next day (Google's daily operations cap for the
    developer token's access level): no retry within the run helps."""

    def __init__(self, detail: str, *, retry_after: float | None = None, daily_cap: bool = False) -> None:
        super().__init__(detail, retry_after=retry_after, retry_within_call=not daily_cap)
        self.daily_cap = daily_cap

    def facts(self) -> dict[str, Any]:
        return {"daily_cap": self.daily_cap, **super().facts()} if self.daily_cap else super().facts()
