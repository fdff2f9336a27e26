"""HTTP fixtures: the real app, wired by the real container, on the module's PostgreSQL database."""

from __future__ import annotations

import inspect
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from arco_adapters.security.passwords import Argon2PasswordHasher
from arco_adapters.security.secret_box import new_key
from arco_domain.model.access import DataScope, Identity
from arco_domain.model.clients import User, UserType
from arco_domain.model.throttling import RateLimits
from arco_entrypoints.cli import SERVER_OPTIONS
from arco_entrypoints.container import Container
from arco_entrypoints.http.app import create_app
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Environment, Settings
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"
_emails = count()


@dataclass
class Account:
    """A signed-up client owner: their token and ids."""

    token: str
    user_id: str
    client_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


SECRETS_KEY = new_key()


def settings_for(database_urls: dict[str, str], **changes: Any) -> Settings:
    """Settings for an app on the module's database. Every test client calls from one address, so the limits
    per address are roomy; the throttling tests set the real ones."""
    defaults: dict[str, Any] = {
        "environment": Environment.TEST, "db_pool_size": 5, "jwt_secret": JWT_SECRET, "secrets_key": (SECRETS_KEY,),
        "rate_limits": ROOMY_LIMITS,
    }  # fmt: skip
    return Settings(**{**defaults, **database_urls, **changes})


@pytest.fixture
def container(database_urls: dict[str, str]) -> Container:
    container = Container(settings=settings_for(database_urls))
    container.adapters.hasher.override(providers.Resource(cheap_hasher))
    return container


ROOMY_LIMITS = RateLimits().configured(
    {name: (10_000, timedelta(minutes=1)) for name in ("login_per_address", "signup_per_address", "public_per_address")}
)


async def cheap_hasher() -> AsyncIterator[Argon2PasswordHasher]:
    """Cheap hashing keeps sign-ups fast in tests; production keeps argon2's defaults."""
    hasher = await Argon2PasswordHasher.start(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield hasher
    hasher.close()


@pytest.fixture
async def api(container: Container) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(container)) as client:
        yield client


async def sign_up(api: AsyncTestClient[Any], company: str = "Acme") -> Account:
    email = f"owner{next(_emails)}@{company.lower()}.example.com"
    response = await api.post("/v1/auth/signup", json={"email": email, "password": PASSWORD, "company_name": company})
    assert response.status_code == 201, response.text
    login = await api.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = (await api.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).json()
    return Account(token=token, user_id=me["user_id"], client_id=me["client"]["id"])


@pytest.fixture
async def alice(api: AsyncTestClient[Any]) -> Account:
    return await sign_up(api, "Alpha")


@pytest.fixture
async def bob(api: AsyncTestClient[Any]) -> Account:
    return await sign_up(api, "Beta")


@dataclass
class Staff:
    """An agency admin: their token and user id."""

    token: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def staff(api: AsyncTestClient[Any], container: Container) -> Staff:
    async def create() -> User:
        # The use-case depends on the async database engine, so its provider may hand back an awaitable.
        built = container.use_cases.create_staff_user()
        create_staff_user = await built if inspect.isawaitable(built) else built
        user: User = await create_staff_user(email=f"staff{next(_emails)}@agency.example.com", user_type=UserType.ADMIN)
        return user

    # The app and its database pool live on the test client's portal loop, not on the test's own loop.
    with api.portal() as portal:
        user = portal.call(create)
    return Staff(token=container.adapters.tokens().issue(Identity(user, None)), user_id=str(user.id))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(runtime: Runtime, port: int) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, in a thread of this process; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime.container(pool_size=4)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            **SERVER_OPTIONS,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class FailingUnits:
    """A unit-of-work factory whose first `times` units (every one when `None`) fail with `failure` as they are
    asked for, before anything is read or written; later ones are `units`' own. A use-case built on it fails
    the way a bug in it would."""

    def __init__(self, failure: Exception, units: UnitOfWorkFactory | None = None, times: int | None = None) -> None:
        self._failure, self._units, self._left = failure, units, times

    def __call__(self, scope: DataScope) -> UnitOfWork:
        if self._left is None or self._left > 0:
            self._left = None if self._left is None else self._left - 1
            raise self._failure
        assert self._units is not None, "no units to hand out once the failures are spent"
        return self._units(scope)
