"""One mapping from errors to RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from arco_domain.errors import (
    ArcoError,
    AuthenticationFailed,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    TooManyRequests,
    Unavailable,
    Unverified,
    ValidationError,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://arco.dev/problems/"
log = logging.getLogger("arco.http")

STATUS_OF: dict[type[ArcoError], tuple[int, str]] = {
    TooManyRequests: (429, "Too many requests"),
    QuotaExceeded: (409, "Quota exceeded"),
    InvalidTransition: (409, "Invalid transition"),
    Conflict: (409, "Conflict"),
    NotFound: (404, "Not found"),
    PermissionDenied: (403, "Forbidden"),
    AuthenticationFailed: (401, "Unauthorized"),
    Unverified: (400, "Unverified message"),
    ValidationError: (422, "Invalid input"),
    ProviderError: (502, "Provider error"),
    Unavailable: (503, "Service unavailable"),
}


def problem(
    status: int, title: str, detail: str, kind: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="arco"'}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def throttle_headers(error: TooManyRequests) -> dict[str, str]:
    """`Retry-After` and the IETF draft's `RateLimit-*` fields for a refusal."""
    wait = str(error.retry_after_seconds)
    return {
        "Retry-After": wait,
        "RateLimit-Policy": f"{error.limit};w={error.window_seconds}",
        "RateLimit-Limit": str(error.limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": wait,
    }


def domain_error(request: Request[Any, Any, Any], error: ArcoError) -> Response[dict[str, Any]]:
    mapped = next((v for cls, v in STATUS_OF.items() if isinstance(error, cls)), None)
    if mapped is None:
        return server_error(request, error, HTTP_500_INTERNAL_SERVER_ERROR)
    status, title = mapped
    if isinstance(error, NotFound):
        # Another client's object and a missing one answer alike, without echoing what was asked for.
        return problem(status, title, f"{error.kind} not found", error.code)
    headers = throttle_headers(error) if isinstance(error, TooManyRequests) else None
    return problem(status, title, error.detail, error.code, headers=headers, **error.facts())


def request_validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[dict[str, Any]]:
    extra = error.extra if isinstance(error.extra, list) else []
    return problem(400, "Bad request", error.detail, "bad-request", errors=extra)


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    if error.status_code >= 500:
        # The framework's own 5xx name internals ("'user' is not defined in scope"): logged, never shown.
        return server_error(request, error, error.status_code)
    return problem(error.status_code, error.detail, error.detail, "http-error")


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    return server_error(request, error, HTTP_500_INTERNAL_SERVER_ERROR)


def server_error(request: Request[Any, Any, Any], error: Exception, status: int) -> Response[dict[str, Any]]:
    """A logged failure of ARCO's own: the body says nothing of the exception."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(status, HTTPStatus(status).phrase, "the request could not be completed", "internal-error")


class JsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body, nested deeper than the decoder goes, is a 400 rather than a crash."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("the JSON body is nested too deeply") from None


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ArcoError: domain_error,
    ValidationException: request_validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
