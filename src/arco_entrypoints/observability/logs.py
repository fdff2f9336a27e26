"""One JSON line per log record, from ARCO's own loggers and from every library's (uvicorn, arq, SQLAlchemy, httpx).

structlog renders them all: the standard library's root logger gets one handler whose `ProcessorFormatter` runs
the same chain for records from `logging.getLogger` and from structlog loggers. Every line carries the context
bound for the work in hand (`request_id`, `client_id` and `user_id` in a request, `job_id` in a job), because
the context lives in contextvars and is merged into each record as it is formatted.

Secrets are kept out twice: by the sources (SQLAlchemy engines hide their statements' parameters; ARCO never
logs a body or a header) and here, where values under secret-sounding names and secret-looking text (bearer
tokens, JWTs, credentials in a URL's query) are replaced before a line is written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from arco_domain.model.access import Principal

REDACTED = "[redacted]"

SECRET_NAME = re.compile(r"pass(word|wd|phrase)?$|secret|token|authorization|cookie|grant|api_?key|credential", re.I)
"""Names of fields whose values are never written, whatever they hold."""

SECRET_TEXT = (
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), REDACTED),
    (
        re.compile(
            r"(?i)([?&](?:key|api_?key|access_token|refresh_token|id_token|token|client_secret|secret|"
            r"appsecret_proof|password|code|signature)=)[^&\s'\"]+"
        ),
        r"\g<1>" + REDACTED,
    ),
    (re.compile(r"(?i)(://[^/\s:@]+:)[^@\s/]+@"), r"\g<1>" + REDACTED + "@"),
)
"""Secret-looking text in messages and tracebacks: bearer tokens, JWTs, credentials in a URL's query or userinfo
(an HTTP client's log line names the URL it called, and PageSpeed's key travels in the query)."""

QUIET_AT_INFO = {
    # SQLAlchemy logs every statement at INFO, and every row it fetches at DEBUG: statements only at DEBUG, rows never.
    "sqlalchemy.engine": (logging.INFO, logging.WARNING),
    # ARCO writes its own access line, with the request's context; uvicorn's would repeat it without.
    "uvicorn.access": (logging.WARNING, logging.WARNING),
}
"""Logger: (its level when ARCO logs at DEBUG, its level otherwise)."""

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


_MAY_HOLD_SECRET = re.compile(r"(?i)bearer\s|eyJ|[?&]\w+=|://[^/\s:@]+:[^@\s/]+@")
"""What every pattern of `SECRET_TEXT` needs to find anything: one search clears most text (an access line's
method, path and ids) without running the four substitutions."""


def redact_text(text: str) -> str:
    return substitute_secrets(text) if _MAY_HOLD_SECRET.search(text) else text


def substitute_secrets(text: str) -> str:
    for pattern, replacement in SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1024)
def _names_a_secret(name: str) -> bool:
    # A line's field names are few and repeat (method, path, status ...): each is judged once.
    return SECRET_NAME.search(name) is not None


def redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The structlog processor that keeps secrets out of a line."""
    for name, value in event.items():
        if _names_a_secret(name):
            event[name] = REDACTED
        elif isinstance(value, str):
            event[name] = redact_text(value)
    return event


def configure_logging(level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """Send every log record of this process, as one JSON object a line, to `stream` (standard error)."""
    threshold = logging.getLevelName(level.upper())
    if not isinstance(threshold, int):
        raise ValueError(f"unknown log level {level!r}")
    context: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *context,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*context, structlog.stdlib.ExtraAdder()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.EventRenamer("message"),
                redact,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(threshold)
    for name in UVICORN_LOGGERS:
        # uvicorn's own configuration gives its loggers plain-text handlers and levels of their own.
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    for name, (when_debugging, otherwise) in QUIET_AT_INFO.items():
        logging.getLogger(name).setLevel(when_debugging if threshold <= logging.DEBUG else otherwise)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


@contextmanager
def log_context(**values: str) -> Iterator[None]:
    """Bind `values` to every line logged inside the block, in this task and the tasks it starts."""
    with structlog.contextvars.bound_contextvars(**values):
        yield


def bind_caller(principal: Principal) -> None:
    """Name the authenticated caller on every further line of this request."""
    caller = {"user_id": str(principal.user_id)}
    if principal.client_id is not None:
        caller["client_id"] = str(principal.client_id)
    if principal.impersonator_id is not None:
        caller["impersonator_id"] = str(principal.impersonator_id)
    structlog.contextvars.bind_contextvars(**caller)


def current_context() -> dict[str, Any]:
    return structlog.contextvars.get_contextvars()
