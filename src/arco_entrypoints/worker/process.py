"""The worker as `arco serve --with-worker` runs it: a child process, kept running until serve stops it.

The child is `arco worker` handed the prepared runtime through the environment (`runtime.export`), so it never
migrates. It ends on its own when it loses the job queue (Redis or Valkey went away); it is then started
again after a pause, and reconnects once the queue is back: the job requests committed meanwhile wait in the
outbox. It runs in a session of its own, so a Ctrl-C at the terminal reaches only `arco serve`, which stops
the worker once the API has drained.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Sequence

RESTART_DELAY = 5.0
STOP_TIMEOUT = 30.0
"""Seconds a stopping worker has to finish its running jobs (arq's completion wait) and exit before it is killed."""

log = logging.getLogger("arco.serve")


class WorkerProcess:
    """Runs `command` now, and again whenever it ends until `stop`."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process = self._spawn()
        self._watcher = threading.Thread(target=self._keep_running, name="worker-watcher", daemon=True)
        self._watcher.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        """Ask the worker to stop (SIGTERM), wait for it, and kill it after `STOP_TIMEOUT`; it is not started
        again."""
        with self._lock:
            self._stopping.set()
            process = self._process
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("the worker did not stop within %.0f s; killing it", STOP_TIMEOUT)
            process.kill()
            process.wait()
        self._watcher.join()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._command, start_new_session=True)

    def _keep_running(self) -> None:
        while True:
            code = self._process.wait()
            if self._stopping.is_set():
                return
            log.warning("the worker ended (exit code %s); starting it again in %.0f s", code, RESTART_DELAY)
            if self._stopping.wait(RESTART_DELAY):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = self._spawn()
