"""Sentry as the tests see it: reports recorded in memory, never sent; the process left without a client after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from arco_entrypoints.observability.sentry import configure_sentry

LOOPBACK_DSN = "http://public@127.0.0.1:9/1"
"""Never dialled: the recording transport stands in for the network."""


class RecordingTransport(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        return [item.payload.json for envelope in self.envelopes for item in envelope.items if item.type == "event"]


@contextmanager
def recording_sentry() -> Iterator[RecordingTransport]:
    """Sentry configured as `ARCO_SENTRY_DSN` would, reporting to memory, for the block only."""
    recording = RecordingTransport()
    assert configure_sentry(LOOPBACK_DSN, environment="staging", transport=recording)
    try:
        yield recording
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
