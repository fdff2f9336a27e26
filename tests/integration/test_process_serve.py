"""`arco serve --with-worker` as a real process: the API and the worker run from one command, the worker's
jobs show over HTTP, a stop signal lets requests under way finish, and nothing it started outlives it: no
worker, no Valkey, no PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_entrypoints.demo import DEMO_PASSWORD
from tests.integration.conftest import SCOPE_KEY

STARTUP_TIMEOUT = 240.0
"""A first start creates the database cluster, migrates it and, with `--demo`, seeds a year of figures."""
STOP_TIMEOUT = 90.0
PASSWORD = "a-long-and-unusual-passphrase-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], what: str, timeout: float, every: float = 0.25) -> Any:
    """Poll `condition` until it returns something truthy, which is returned; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = condition()
        if outcome:
            return outcome
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def process_state(pid: int) -> str | None:
    """The kernel's one-letter state of `pid`, or `None` when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    # A zombie has exited; only its parent has not collected its status yet.
    return process_state(pid) not in (None, "Z")


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid`, with their command lines."""
    found: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(stat.parent.name)] = command
    return found


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any ARCO setting, plus `variables`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ARCO_")}, **variables}


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    output: Path

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])

    def ends_with(self, code: int) -> None:
        try:
            assert self.process.wait(STOP_TIMEOUT) == code, self.log()
        except subprocess.TimeoutExpired:
            pytest.fail(f"arco serve did not stop within {STOP_TIMEOUT:.0f} s:\n{self.log()}")


@contextmanager
def served(tmp_path: Path, *options: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """`arco serve` on a free loopback port with its own data dir, up and answering; stopped (killed if it
    must be) when the block ends."""
    port, data_dir, output = free_port(), tmp_path / "data", tmp_path / "serve.log"
    environment = clean_environment(ARCO_ENV="staging", ARCO_DATA_DIR=str(data_dir), **(env or {}))
    command = [sys.executable, "-m", "arco_entrypoints.cli", "serve", "--port", str(port), *options]
    with output.open("wb") as sink:
        # A session of its own, as a terminal gives `make run`: a signal to its group reaches what a Ctrl-C would.
        process = subprocess.Popen(
            command, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Served(process, f"http://127.0.0.1:{port}", data_dir, output)
    try:

        def answers() -> bool:
            assert process.poll() is None, f"arco serve exited with {process.returncode}:\n{server.log()}"
            try:
                return httpx.get(f"{server.url}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, "arco serve to answer", STARTUP_TIMEOUT, every=0.5)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def started_processes(server: Served) -> dict[str, int]:
    """The processes `arco serve --with-worker` runs on the embedded servers: the worker, Valkey, PostgreSQL."""
    running = children(server.process.pid)
    found = {
        "worker": [pid for pid, command in running.items() if "arco_entrypoints.cli worker" in command],
        "valkey": [pid for pid, command in running.items() if "valkey-server" in command],
    }
    assert all(len(pids) == 1 for pids in found.values()), running
    return {"postgres": server.postmaster_pid(), **{name: pids[0] for name, pids in found.items()}}


def assert_all_gone(pids: Mapping[str, int]) -> None:
    wait_for(lambda: not any(alive(pid) for pid in pids.values()), f"{dict(pids)} to be gone", 15)


def log_in(server: Served, email: str, password: str) -> dict[str, str]:
    response = httpx.post(f"{server.url}/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class TestServeWithWorker:
    def test_a_connected_ad_account_is_synced_by_the_worker_and_sigterm_leaves_no_process_behind(
        self, tmp_path: Path
    ) -> None:
        with served(tmp_path, "--demo", "--with-worker") as server:
            owner = log_in(server, "owner@enterprise.arco.demo", DEMO_PASSWORD)
            body = {"platform": "google_ads", "account_id": "555-010-2026", "grant": "1//sandbox-grant"}
            connected = httpx.post(f"{server.url}/v1/ad-accounts", json=body, headers=owner, timeout=30)
            assert connected.status_code == 201, connected.text
            assert connected.json()["last_synced_at"] is None

            def synced() -> bool:
                listed = httpx.get(f"{server.url}/v1/ad-accounts", headers=owner, timeout=30).json()["items"]
                ours = [account for account in listed if account["id"] == connected.json()["id"]]
                return bool(ours[0]["last_synced_at"])

            wait_for(synced, "the worker's first sync of the new account", 90, every=1)
            running = started_processes(server)
            server.process.send_signal(signal.SIGTERM)
            server.ends_with(0)
        assert_all_gone(running)
        assert "Traceback" not in server.log()


def send_slowly(server: Served, path: str, body: bytes) -> tuple[socket.socket, bytes]:
    """Open a request to `path` and send all of it but the body's last byte, which is returned to send later."""
    connection = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection.sendall(head + body[:-1])
    return connection, body[-1:]


def refuses_connections(server: Served) -> bool:
    try:
        httpx.get(f"{server.url}/health", timeout=2)
    except httpx.ConnectError:
        return True
    return False


class TestStopSignals:
    @pytest.mark.parametrize(
        "stop",
        [
            pytest.param(lambda process: process.send_signal(signal.SIGTERM), id="SIGTERM to the process"),
            pytest.param(lambda process: os.killpg(process.pid, signal.SIGINT), id="Ctrl-C to its process group"),
        ],
    )
    def test_a_request_under_way_completes_then_everything_exits_with_code_0(
        self, tmp_path: Path, stop: Callable[[subprocess.Popen[bytes]], None]
    ) -> None:
        with served(tmp_path, "--with-worker") as server:
            running = started_processes(server)
            body = b'{"email": "late@example.com", "password": "' + PASSWORD.encode() + b'"}'
            connection, rest = send_slowly(server, "/v1/auth/signup", body)
            with connection:
                stop(server.process)
                # The server has stopped listening, so it is shutting down with the request still in flight.
                wait_for(lambda: refuses_connections(server), "the server to stop taking connections", 10)
                connection.sendall(rest)
                answer = connection.recv(65536).decode()
            assert answer.startswith("HTTP/1.1 201"), answer
            server.ends_with(0)
        assert_all_gone(running)
        assert "Traceback" not in server.log()


async def _fetch(postgres: EmbeddedPostgres, database: str, query: str, *arguments: object) -> list[Any]:
    connection = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
    try:
        return list(await connection.fetch(query, *arguments))
    finally:
        await connection.close()


class TestQueueOutage:
    def test_with_valkey_down_the_api_serves_and_the_welcome_email_waits_in_the_outbox_until_it_is_back(
        self, tmp_path: Path, postgres: EmbeddedPostgres, database: str, database_urls: dict[str, str]
    ) -> None:
        queue = EmbeddedValkey(tmp_path / "valkey")
        settings = {
            "ARCO_DATABASE_URL": database_urls["database_url"],
            "ARCO_AGENCY_DATABASE_URL": database_urls["agency_database_url"],
            "ARCO_SCOPE_KEY": SCOPE_KEY,
            "ARCO_MIGRATE_ON_START": "off",
            "ARCO_REDIS_URL": queue.url,
        }
        address = "outage@example.com"

        def welcomes() -> int:
            query = "SELECT count(*) FROM mail_log WHERE $1 = ANY(recipients)"
            return int(asyncio.run(_fetch(postgres, database, query, address))[0][0])

        def pending() -> list[Any]:
            query = "SELECT dedupe_key FROM job_outbox WHERE dispatched_at IS NULL AND dedupe_key LIKE 'welcome:%'"
            return asyncio.run(_fetch(postgres, database, query))

        try:
            with served(tmp_path, "--with-worker", env=settings) as server:
                queue.stop()
                signed_up = httpx.post(
                    f"{server.url}/v1/auth/signup", json={"email": address, "password": PASSWORD}, timeout=30
                )
                assert signed_up.status_code == 201, signed_up.text
                owner = log_in(server, address, PASSWORD)
                ticket = {"subject": "The queue is down", "description": "Asked while Valkey was away."}
                created = httpx.post(f"{server.url}/v1/tickets", json=ticket, headers=owner, timeout=30)
                assert created.status_code == 201, created.text
                time.sleep(6)  # longer than the dispatcher's period: a live queue would have taken the request
                assert len(pending()) == 1 and welcomes() == 0

                queue.start()
                wait_for(lambda: welcomes() == 1, "the welcome e-mail to be delivered", 90, every=1)
                assert pending() == []
                server.process.send_signal(signal.SIGTERM)
                server.ends_with(0)
        finally:
            queue.stop()
        assert "the worker ended" in server.log()
