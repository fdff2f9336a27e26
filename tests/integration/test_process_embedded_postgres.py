"""The embedded PostgreSQL stops with its last live user, even when an earlier user was killed and so never said
it was done with the server."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from arco_adapters.postgres.embedded import EmbeddedPostgres
from tests.integration.test_process_serve import alive, wait_for

OPEN_AND_HOLD = """
import sys, time
from pathlib import Path
from arco_adapters.postgres.embedded import EmbeddedPostgres
print(EmbeddedPostgres(Path(sys.argv[1])).pid, flush=True)
time.sleep(300)
"""


def test_a_user_killed_without_stopping_does_not_keep_the_server_running(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    killed = subprocess.Popen([sys.executable, "-c", OPEN_AND_HOLD, str(pgdata)], stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout is not None
        assert select.select([killed.stdout], [], [], 120)[0], "the first user never opened the server"
        postmaster = int(killed.stdout.readline())
    finally:
        killed.kill()
        killed.wait(10)
    try:
        server = EmbeddedPostgres(pgdata)
        assert server.pid == postmaster
        server.stop()
        wait_for(lambda: not alive(postmaster), "the server to stop", 30)
    finally:
        if alive(postmaster):
            os.kill(postmaster, signal.SIGINT)  # PostgreSQL's fast shutdown, so a failure leaves nothing running
