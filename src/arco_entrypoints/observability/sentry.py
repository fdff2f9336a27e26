"""Error reports to Sentry, when `ARCO_SENTRY_DSN` names a project; nothing is sent (nor set up) without it.

Reports carry no request bodies, no local variables, no cookies and no personal data; the scrubber's list of
secret names has ARCO's own added (ad-platform grants), and messages and exception texts are redacted like log
lines. Errors ARCO answers as the caller's fault (a refused quota, a missing object) are not reported.
"""

from __future__ import annotations

import logging
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.litestar import LitestarIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.transport import Transport

from arco_domain.errors import ArcoError
from arco_entrypoints.http.errors import SERVER_ERRORS_LOGGER, status_for
from arco_entrypoints.observability.logs import redact_text

ARCO_SECRET_NAMES = ["grant", "refresh_token", "access_token", "client_secret", "scope_key", "jwt_secret"]


def configure_sentry(dsn: str | None, *, environment: str, transport: Transport | None = None) -> bool:
    """Start reporting to Sentry when `dsn` is given; whether it did. `transport` replaces the network (tests)."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        transport=transport,
        integrations=[
            LitestarIntegration(),
            # Log records become reports from ERROR up, never breadcrumbs: a breadcrumb is the record unredacted.
            LoggingIntegration(level=None, event_level=logging.ERROR),
        ],
        # No personal data: the SDK's default (its option to say so is renamed between releases).
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, *ARCO_SECRET_NAMES]),
        before_send=_before_send,
        before_breadcrumb=_before_breadcrumb,
        # No trace headers on ARCO's calls to payment, ad and DNS providers.
        trace_propagation_targets=[],
    )
    # The Litestar integration reports the exceptions this logger logs as 500s already.
    ignore_logger(SERVER_ERRORS_LOGGER)
    return True


def _before_send(event: Any, hint: Any) -> Any:
    error = (hint.get("exc_info") or (None, None, None))[1]
    if isinstance(error, ArcoError) and status_for(error) < 500:
        return None
    for exception in event.get("exception", {}).get("values", []):
        if isinstance(exception.get("value"), str):
            exception["value"] = redact_text(exception["value"])
    entry = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if isinstance(entry.get(key), str):
            entry[key] = redact_text(entry[key])
    request = event.get("request") or {}
    # The Litestar integration attaches the parsed body whatever `max_request_body_size` says: bodies hold
    # passwords and grants.
    request.pop("data", None)
    request.pop("cookies", None)
    if isinstance(request.get("url"), str):
        request["url"] = redact_text(request["url"])
    if isinstance(request.get("query_string"), str):
        request["query_string"] = redact_text("?" + request["query_string"])[1:]
    return event


def _before_breadcrumb(crumb: Any, _: Any) -> Any:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = redact_text(crumb["message"])
    data = crumb.get("data") or {}
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = redact_text(value)
    return crumb
