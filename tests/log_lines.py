"""Capturing what ARCO's logging configuration writes, as the JSON objects of its lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from arco_entrypoints.observability.logs import QUIET_AT_INFO, UVICORN_LOGGERS, configure_logging


class CapturedLines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        """Every line, parsed: a line that is not one JSON object fails the test here."""
        return [json.loads(line) for line in self.text.splitlines()]

    def where(self, **fields: Any) -> list[dict[str, Any]]:
        return [line for line in self.lines() if all(line.get(k) == v for k, v in fields.items())]


@contextmanager
def captured_logs(level: str = "debug") -> Iterator[CapturedLines]:
    """ARCO's logging configuration at `level`, writing to memory; the process's logging as it was afterwards."""
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in (*UVICORN_LOGGERS, *QUIET_AT_INFO)]
    saved = (root.handlers[:], root.level, [(lg.handlers[:], lg.propagate, lg.level) for lg in touched])
    capture = CapturedLines()
    configure_logging(level, stream=capture.stream)
    try:
        yield capture
    finally:
        root.handlers = saved[0]
        root.setLevel(saved[1])
        for logger, (handlers, propagate, logger_level) in zip(touched, saved[2], strict=True):
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(logger_level)
        structlog.reset_defaults()
