"""ARCO behind a load balancer: several server processes on one PostgreSQL and one Valkey act as one service.

Sign-up, sign-in and the rate limits run on two real uvicorn processes started as the image starts them; the
billing sandbox runs on two app instances whose public address is the first one's, as behind a balancer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import JWT_SECRET, SECRETS_KEY, free_port, running_server, settings_for
from tests.integration.http.test_billing import billing, sign_up

WEBHOOK_SECRET = "whsec_shared_by_every_instance"


@contextmanager
def server_process(port: int, environment: dict[str, str], log: Path) -> Iterator[str]:
    """`uvicorn` on the ASGI factory in a process of its own, as the image's command runs it; its base URL."""
    command = [
        sys.executable, "-m", "uvicorn", "arco_entrypoints.asgi:create", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--no-server-header", "--no-proxy-headers",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server process did not start: " + log.read_text()
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def two_processes(
    database_urls: dict[str, str], valkey: EmbeddedValkey, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Two server processes with the same settings, on the module's database and one Valkey, with the real
    rate limits, behind a balancer on loopback: each test names its client's address in `X-Forwarded-For`."""
    data_dir = tmp_path_factory.mktemp("processes")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ARCO_")}
    environment.update(
        ARCO_ENV="test", ARCO_DATABASE_URL=database_urls["database_url"],
        ARCO_AGENCY_DATABASE_URL=database_urls["agency_database_url"], ARCO_SCOPE_KEY=database_urls["scope_key"],
        ARCO_JWT_SECRET=JWT_SECRET, ARCO_SECRETS_KEY=SECRETS_KEY, ARCO_REDIS_URL=valkey.url,
        ARCO_DATA_DIR=str(data_dir), ARCO_TRUSTED_PROXIES="127.0.0.1",
    )  # fmt: skip
    with ExitStack() as stack:
        first = stack.enter_context(server_process(free_port(), environment, data_dir / "first.log"))
        second = stack.enter_context(server_process(free_port(), environment, data_dir / "second.log"))
        yield first, second


def from_address(address: str) -> dict[str, str]:
    """The header the balancer adds for a client at `address` (a documentation address: nothing is sent there)."""
    return {"X-Forwarded-For": address}


class TestSeveralServerProcesses:
    def test_an_account_made_on_one_process_signs_in_on_the_other_and_works_on_both(
        self, two_processes: tuple[str, str]
    ) -> None:
        first, second = two_processes
        client = from_address("203.0.113.1")
        credentials = {"email": f"both-{time.time_ns()}@example.com", "password": "one account, two processes"}
        assert httpx.post(first + "/v1/auth/signup", json=credentials, headers=client).status_code == 201
        login = httpx.post(second + "/v1/auth/login", json=credentials, headers=client)
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        mine = [httpx.get(server + "/v1/me", headers=headers) for server in two_processes]
        assert [answer.status_code for answer in mine] == [200, 200]
        assert mine[0].json() == mine[1].json()

    def test_the_sign_up_limit_of_one_address_is_counted_across_both_processes(
        self, two_processes: tuple[str, str]
    ) -> None:
        # SPEC 10a: five sign-ups an hour from one address, wherever the balancer sends each of them.
        answers = [
            httpx.post(
                two_processes[n % 2] + "/v1/auth/signup",
                json={"email": f"limit-{n}-{time.time_ns()}@example.com", "password": "counted across processes"},
                headers=from_address("203.0.113.6"),
            )
            for n in range(6)
        ]
        assert [answer.status_code for answer in answers] == [201, 201, 201, 201, 201, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0


@pytest.fixture(scope="module")
def two_instances(database_urls: dict[str, str]) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two app instances on one database; both name the first as the public address, as a balancer's would be."""
    ports = free_port(), free_port()
    public_url = f"http://127.0.0.1:{ports[0]}"
    settings = settings_for(database_urls, stripe_webhook_secret=WEBHOOK_SECRET, public_url=public_url)
    with ExitStack() as stack:
        clients = tuple(
            stack.enter_context(httpx.Client(base_url=stack.enter_context(running_server(Runtime(settings), port))))
            for port in ports
        )
        yield clients[0], clients[1]


def path_of(url: str) -> str:
    return urlsplit(url).path


class TestSandboxBillingOnSeveralInstances:
    def test_a_checkout_started_on_one_instance_completes_on_the_other_and_is_cancelled_on_the_first(
        self, two_instances: tuple[httpx.Client, httpx.Client]
    ) -> None:
        first, second = two_instances
        headers = sign_up(first, "instances")
        checkout = first.post("/v1/billing/checkout", json={"tier": "pro"}, headers=headers).json()["url"]
        # The balancer sends the browser to the second instance; its events reach the first (the public address).
        paid = second.get(path_of(checkout), follow_redirects=False)
        assert paid.status_code in (302, 303), paid.text
        assert [billing(client, headers)["tier"] for client in two_instances] == ["pro", "pro"]

        portal = second.post("/v1/billing/portal", json={}, headers=headers).json()["url"]
        cancelled = first.get(path_of(portal), params={"action": "cancel"})
        assert cancelled.status_code in (302, 303), cancelled.text
        assert [(billing(c, headers)["tier"], billing(c, headers)["status"]) for c in two_instances] == [
            ("free", "canceled"),
            ("free", "canceled"),
        ]
