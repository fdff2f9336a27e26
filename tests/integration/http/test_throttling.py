"""Rate limits over HTTP, on a real server behind a trusted proxy: per address on every public route, failed
logins per account and address, `429` problem details with `Retry-After` and `RateLimit-*` headers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from arco_domain.model.throttling import RateLimits
from arco_entrypoints.runtime import Runtime
from tests.integration.http.conftest import free_port, running_server, settings_for

PASSWORD = "a sound passphrase"


@pytest.fixture
def server(database_urls: dict[str, str]) -> Iterator[str]:
    # The test talks to the server from 127.0.0.1, made a trusted proxy so each test can speak for many clients.
    runtime = Runtime(settings_for(database_urls, trusted_proxies=("127.0.0.1",), rate_limits=RateLimits()))
    with running_server(runtime, free_port()) as url:
        yield url


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def sign_up(http: httpx.Client, email: str, address: str) -> httpx.Response:
    return http.post("/v1/auth/signup", json={"email": email, "password": PASSWORD}, headers=from_address(address))


def log_in(http: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return http.post("/v1/auth/login", json={"email": email, "password": password}, headers=from_address(address))


def assert_throttled(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) >= 1
    assert response.json()["status"] == 429


class TestPerAddress:
    def test_sign_up_takes_five_an_hour_from_one_address(self, http: httpx.Client) -> None:
        answers = [sign_up(http, f"owner{n}@shop.example", "198.51.100.20") for n in range(6)]
        assert [a.status_code for a in answers[:5]] == [201] * 5
        assert answers[0].headers["ratelimit-remaining"] == "4"
        assert_throttled(answers[5], limit=5)
        assert sign_up(http, "owner6@shop.example", "198.51.100.21").status_code == 201

    def test_login_takes_ten_a_minute_from_one_address(self, http: httpx.Client) -> None:
        answers = [log_in(http, f"nobody{n}@shop.example", "wrong guess!", "198.51.100.30") for n in range(11)]
        assert [a.status_code for a in answers[:10]] == [401] * 10
        assert_throttled(answers[10], limit=10)
        assert log_in(http, "nobody@shop.example", "wrong guess!", "198.51.100.31").status_code == 401

    def test_a_strangers_forwarded_header_is_not_believed(self, database_urls: dict[str, str]) -> None:
        runtime = Runtime(settings_for(database_urls, rate_limits=RateLimits()))
        with running_server(runtime, free_port()) as url, httpx.Client(base_url=url, timeout=30) as http:
            answers = [
                log_in(http, "nobody@shop.example", "wrong guess!", f"198.51.100.{n}") for n in range(11)
            ]  # every one from 127.0.0.1, whatever the header says
        assert_throttled(answers[10], limit=10)

    def test_health_probes_and_the_payment_webhook_are_never_limited(self, http: httpx.Client) -> None:
        for _ in range(80):
            assert http.get("/health", headers=from_address("198.51.100.40")).status_code == 200
        webhook = [
            http.post("/webhooks/stripe", content=b"{}", headers=from_address("198.51.100.40")) for _ in range(70)
        ]
        assert {answer.status_code for answer in webhook} == {400}


class TestFailedLogins:
    def test_five_failures_lock_that_account_from_that_address_only(self, http: httpx.Client) -> None:
        assert sign_up(http, "admin@agency.example", "203.0.113.1").status_code == 201
        for _ in range(5):
            assert log_in(http, "admin@agency.example", "wrong guess!", "198.51.100.66").status_code == 401
        assert_throttled(log_in(http, "admin@agency.example", PASSWORD, "198.51.100.66"), limit=5)
        # The owner, elsewhere, is not locked out by a stranger's guesses.
        assert log_in(http, "admin@agency.example", PASSWORD, "203.0.113.1").status_code == 200
