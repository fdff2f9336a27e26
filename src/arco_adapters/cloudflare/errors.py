"""What Cloudflare's API v4 answers when it does not do what was asked, as domain errors.

Every failure envelope (`{"success": false, "errors": [{"code": ..., "message": ...}]}`) becomes one of
these, carrying Cloudflare's error codes; the sandbox provider raises the same ones, so callers see one
behaviour whichever provider is configured.
"""

from __future__ import annotations

from typing import Any

from arco_adapters.http_retry import TransientApiError
from arco_domain.errors import Conflict, NotFound, ProviderError, ValidationError


class CloudflareAuthError(ProviderError):
    """The API token is missing, revoked or lacks a permission: only ARCO's operators can fix it."""

    def __init__(self, detail: str, *, codes: tuple[int, ...] = ()) -> None:
        super().__init__(detail)
        self.codes = codes


class CloudflareNotFound(NotFound):
    """Cloudflare has no such zone or record."""

    def __init__(self, kind: str, key: object, *, codes: tuple[int, ...] = ()) -> None:
        super().__init__(kind, key)
        self.codes = codes


class CloudflareValidationError(ValidationError):
    """Cloudflare refused the input itself; `field` names it when the error code says which."""

    def __init__(self, detail: str, *, field: str | None = None, codes: tuple[int, ...] = ()) -> None:
        super().__init__(detail, field=field)
        self.codes = codes


class CloudflareConflict(Conflict):
    """The change clashes with what the zone already holds (an identical record, a CNAME sharing its name)."""

    def __init__(self, detail: str, *, codes: tuple[int, ...] = ()) -> None:
        super().__init__(detail)
        self.codes = codes


class CloudflareUnavailable(TransientApiError):
    """Cloudflare could not answer now (a 5xx, a timeout, an unreadable answer): never a verdict on the input."""

    def __init__(self, detail: str, *, retry_after: float | None = None, codes: tuple[int, ...] = ()) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.codes = codes


class CloudflareRateLimited(CloudflareUnavailable):
    """Cloudflare's rate limit (1,200 requests per five minutes per user) was reached; `retry_after` says when."""

    def facts(self) -> dict[str, Any]:
        return {"rate_limited": True, **super().facts()}
