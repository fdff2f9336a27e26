"""Domain errors. They carry facts; the edges decide how to present them."""

from __future__ import annotations

from typing import Any


class ArcoError(Exception):
    """Root of every error the domain raises on purpose."""

    code: str = "arco-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def facts(self) -> dict[str, Any]:
        """Structured details an edge may expose next to the message."""
        return {}


class NotFound(ArcoError):
    """The thing does not exist, or the caller may not know that it does."""

    code = "not-found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key

    def facts(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": str(self.key)}


class Conflict(ArcoError):
    """The request clashes with the current state (a duplicate name, say)."""

    code = "conflict"


class PermissionDenied(ArcoError):
    """The caller is known but may not do this."""

    code = "permission-denied"


class ValidationError(ArcoError):
    """Input that breaks a domain rule; `field` names the offending input when there is one."""

    code = "validation-error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field

    def facts(self) -> dict[str, Any]:
        return {"field": self.field} if self.field else {}


class AuthenticationFailed(ArcoError):
    """The caller could not be identified: unknown account or wrong secret (never says which)."""

    code = "authentication-failed"


class Unverified(ValidationError):
    """A message whose origin could not be proven (a webhook's signature, say): refused, nothing applied."""

    code = "unverified"


class ProviderError(ArcoError):
    """An external provider refused ARCO's request in a way the caller cannot fix (a revoked key, say)."""

    code = "provider-error"


class Unavailable(ArcoError):
    """Something ARCO depends on (its database, a provider's API) could not be reached; try again later."""

    code = "unavailable"


class QuotaExceeded(ArcoError):
    """Admitting `requested` more of `resource` would take usage past the limit."""

    code = "quota-exceeded"

    def __init__(self, resource: str, *, limit: int, used: int, requested: int) -> None:
        super().__init__(f"{resource}: {used} used of {limit}, {requested} more would exceed the limit")
        self.resource = resource
        self.limit = limit
        self.used = used
        self.requested = requested

    def facts(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "limit": self.limit,
            "used": self.used,
            "requested": self.requested,
        }


class InvalidTransition(ArcoError):
    """A state machine refused a move."""

    code = "invalid-transition"

    def __init__(self, frm: str, to: str, reason: str | None = None) -> None:
        detail = f"cannot move from {frm} to {to}"
        super().__init__(f"{detail}: {reason}" if reason else detail)
        self.frm = frm
        self.to = to

    def facts(self) -> dict[str, Any]:
        return {"from": self.frm, "to": self.to}


class TooManyRequests(ArcoError):
    """A rate limit refused the request; `retry_after_seconds` says when the next one may pass."""

    code = "too-many-requests"

    def __init__(self, detail: str, *, limit: int, window_seconds: int, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.limit = limit
        self.window_seconds = window_seconds
        self.retry_after_seconds = retry_after_seconds

    def facts(self) -> dict[str, Any]:
        return {"limit": self.limit, "window_seconds": self.window_seconds, "retry_after": self.retry_after_seconds}
