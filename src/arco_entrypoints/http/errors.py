"""One mapping from errors to RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import logging
import math
import random
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
from arco_entrypoints.observability.logs import current_context
from arco_entrypoints.observability.metrics import WEBHOOK_PROVIDER, ServiceMetrics

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://arco.dev/problems/"
SERVER_ERRORS_LOGGER = "arco.http.errors"
log = logging.getLogger(SERVER_ERRORS_LOGGER)

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
    if request_id := current_context().get("request_id"):
        # The occurrence: the id the response's `X-Request-ID` carries and every log line of the request names.
        body["instance"] = request_id
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


UNAVAILABLE_RETRY_AFTER = (1, 5)
"""The span, in seconds, a `503` asks a client to wait when the failed dependency gave no advice of its own."""


def unavailable_headers(error: Unavailable) -> dict[str, str]:
    """`Retry-After` for a `503`: the provider's own advice when it gave one, otherwise a few seconds drawn
    at random, so that the clients one outage refused together do not all come back in the same second."""
    advised = getattr(error, "retry_after", None)
    if isinstance(advised, int | float) and advised > 0:
        return {"Retry-After": str(math.ceil(advised))}
    return {"Retry-After": str(random.randint(*UNAVAILABLE_RETRY_AFTER))}


def mapping_of(error: ArcoError) -> tuple[int, str] | None:
    """The status and title `error` is answered with; `None` for an error the table does not know (a 500)."""
    return next((v for cls, v in STATUS_OF.items() if isinstance(error, cls)), None)


def status_for(error: ArcoError) -> int:
    mapped = mapping_of(error)
    return HTTP_500_INTERNAL_SERVER_ERROR if mapped is None else mapped[0]


def domain_error(request: Request[Any, Any, Any], error: ArcoError) -> Response[dict[str, Any]]:
    count_refusal(request, error)
    mapped = mapping_of(error)
    if mapped is None:
        return server_error(request, error, HTTP_500_INTERNAL_SERVER_ERROR)
    status, title = mapped
    if isinstance(error, NotFound):
        # Another client's object and a missing one answer alike, without echoing what was asked for.
        return problem(status, title, f"{error.kind} not found", error.code)
    headers: dict[str, str] | None = None
    if isinstance(error, TooManyRequests):
        headers = throttle_headers(error)
    elif isinstance(error, Unavailable):
        headers = unavailable_headers(error)
    return problem(status, title, error.detail, error.code, headers=headers, **error.facts())


def count_refusal(request: Request[Any, Any, Any], error: ArcoError) -> None:
    """Count the refusals an operator watches: quotas reached, and webhook deliveries whose origin was not proven."""
    metrics: ServiceMetrics = request.app.state.metrics
    if isinstance(error, QuotaExceeded):
        metrics.count_quota_refusal(error.resource)
    elif isinstance(error, Unverified) and (provider := request.route_handler.opt.get(WEBHOOK_PROVIDER)):
        metrics.count_webhook_event(provider, "rejected")


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
