"""What every ARCO process (a server process, a worker) sets up first: its log lines and its error reports."""

from __future__ import annotations

from arco_entrypoints.observability.logs import configure_logging
from arco_entrypoints.observability.sentry import configure_sentry
from arco_entrypoints.settings import Settings


def observe_process(settings: Settings) -> None:
    configure_logging(settings.log_level)
    configure_sentry(settings.sentry_dsn, environment=settings.environment.value)
