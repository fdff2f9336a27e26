"""One mapping from errors to RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
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
    Unavailable,
    Unverified,
    ValidationError,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://arco.dev/problems/"
log = logging.getLogger("arco.http")

STATUS_OF: dict[type[ArcoError], tuple[int, str]] = {
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


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": 'Bearer realm="arco"'} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(_: Request[Any, Any, Any], error: ArcoError) -> Response[dict[str, Any]]:
    status, title = next((v for cls, v in STATUS_OF.items() if isinstance(error, cls)), (500, "Internal server error"))
    if isinstance(error, NotFound):
        # Another client's object and a missing one answer alike, without echoing what was asked for.
        return problem(status, title, f"{error.kind} not found", error.code)
    return problem(status, title, error.detail, error.code, **error.facts())


def request_validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[dict[str, Any]]:
    extra = error.extra if isinstance(error.extra, list) else []
    return problem(400, "Bad request", error.detail, "bad-request", errors=extra)


def http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    kind = "internal-error" if error.status_code >= 500 else "http-error"
    return problem(error.status_code, error.detail, error.detail, kind)


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return problem(status, "Internal server error", "the request could not be completed", "internal-error")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ArcoError: domain_error,
    ValidationException: request_validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
