"""The `arco` command: serve the API, migrate, manage staff, seed the demo agency."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import FrameType, TracebackType
from typing import Any, NoReturn, TypeVar

import click
from redis.exceptions import ConnectionError as QueueConnectionError
from redis.exceptions import TimeoutError as QueueTimeoutError

from arco_adapters.valkey.embedded import EmbeddedValkey
from arco_domain.ids import ClientId
from arco_domain.model.access import Identity
from arco_domain.model.clients import UserType
from arco_domain.model.tiers import CATALOGUE, GIB, Resource
from arco_entrypoints.container import Container
from arco_entrypoints.demo import DEMO_PASSWORD, seed_demo
from arco_entrypoints.observability.process import observe_process
from arco_entrypoints.providing import resolve, start_resources, stop_resources
from arco_entrypoints.runtime import Runtime, export, prepare
from arco_entrypoints.settings import Settings
from arco_entrypoints.worker.app import build_worker
from arco_entrypoints.worker.process import WorkerProcess

T = TypeVar("T")

SERVER_OPTIONS: dict[str, Any] = {"server_header": False, "proxy_headers": False, "log_config": None}
"""uvicorn's options for every ARCO server process: no `Server` banner, and no rewriting of the client's
address from `X-Forwarded-For` (uvicorn believes it from loopback by default): ARCO reads that header itself,
from `ARCO_TRUSTED_PROXIES` only. Nor does uvicorn set up logging: each process's JSON lines are ARCO's."""
DRAIN_SECONDS = 10
"""How long `arco serve`, asked to stop, lets the requests under way finish before it cancels them."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Lifetime(ExitStack):
    """What a long-running command (`serve`, `worker`) started, stopped in reverse order however it ends.

    SIGINT, SIGTERM and SIGHUP end the command as a clean exit with code 0: being asked to stop is how a server's
    life ends. Inside `starting()`, where a process is being started and is not yet registered here to be
    stopped, a signal takes effect when the block ends. Once stopping has begun, further signals are ignored, so
    a second Ctrl-C cannot cut it short; every step of it is bounded in time.
    """

    def __enter__(self) -> Lifetime:
        self._starting = 0
        self._stop_asked = False
        self._previous = {number: signal.signal(number, self._on_signal) for number in STOP_SIGNALS}
        super().__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool | None:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        try:
            return super().__exit__(kind, error, trace)
        finally:
            for number, handler in self._previous.items():
                signal.signal(number, handler)

    @contextmanager
    def starting(self) -> Iterator[None]:
        self._starting += 1
        try:
            yield
        finally:
            self._starting -= 1
        if self._stop_asked:
            self._exit()

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self._stop_asked = True
        if not self._starting:
            self._exit()

    def _exit(self) -> NoReturn:
        raise SystemExit(0)


def _prepared(lifetime: Lifetime, settings: Settings) -> Runtime:
    """`prepare`, with the embedded database it may start stopped when `lifetime` ends."""
    with lifetime.starting():
        runtime = prepare(settings)
        lifetime.callback(runtime.stop)
    return runtime


def _job_queue(lifetime: Lifetime, settings: Settings) -> Settings:
    """`settings` with the job queue's URL: the configured Redis, or an embedded Valkey that lives as long as
    `lifetime`, named in the environment for the processes the command starts."""
    if settings.redis_url:
        return settings
    with lifetime.starting():
        valkey = EmbeddedValkey(settings.data_dir / "valkey")
        lifetime.callback(valkey.stop)
    os.environ["ARCO_REDIS_URL"] = valkey.url
    return settings.replace(redis_url=valkey.url)


@click.group()
def main() -> None:
    """ARCO, the agency client platform backend."""


@main.command()
def tiers() -> None:
    """Print the tier catalogue."""
    for plan in CATALOGUE.values():
        price = f"BRL {plan.monthly_price.amount}/month" if plan.monthly_price else "by contract"
        sla = f"{plan.first_response_sla.total_seconds() / 3600:g} h" if plan.first_response_sla else "none"
        limits = ", ".join(f"{r.value}={_limit_text(r, v)}" for r, v in plan.limits.items())
        platforms = ", ".join(sorted(plan.campaign_platforms)) or "none"
        click.echo(f"{plan.tier.value:<10} {price:<18} first response {sla:<5} | {limits} | campaigns: {platforms}")


def _limit_text(resource: Resource, limit: int | None) -> str:
    if limit is None:
        return "unlimited"
    return f"{limit // GIB} GB" if resource is Resource.STORAGE_BYTES else str(limit)


@main.command()
def migrate() -> None:
    """Migrate the configured database, or start and migrate the embedded one."""
    settings = Settings.from_environment().replace(migrate_on_start="on")
    runtime = prepare(settings)
    where = "embedded database in " + str(settings.data_dir / "pgdata") if runtime.embedded else "database"
    click.echo(f"{where} is at the latest schema")
    runtime.stop()


async def _with_container(runtime: Runtime, work: Callable[[Container], Awaitable[T]]) -> T:
    container = runtime.container(pool_size=2)
    await start_resources(container)
    try:
        return await work(container)
    finally:
        await stop_resources(container)


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create-staff")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([t.value for t in UserType if t.is_staff]), required=True)
@click.option("--name", "full_name", default=None)
@click.option("--password", default=None, help="Allow e-mail/password login (otherwise tokens only).")
@click.option("--print-token", is_flag=True, help="Print an access token for the new account.")
def create_staff(email: str, role: str, full_name: str | None, password: str | None, print_token: bool) -> None:
    """Create an agency admin, developer or support user."""
    runtime = prepare(Settings.from_environment())

    async def create(container: Container) -> str | None:
        user = await (await resolve(container.use_cases.container.create_staff_user))(
            email=email, user_type=UserType(role), full_name=full_name, password=password
        )
        click.echo(f"created {role} {user.email} ({user.id})")
        return container.adapters.container.tokens().issue(Identity(user, None)) if print_token else None

    try:
        token = asyncio.run(_with_container(runtime, create))
    finally:
        runtime.stop()
    if token:
        click.echo(token)


@main.group()
def billing() -> None:
    """Billing operations."""


@billing.command("reconcile")
def reconcile() -> None:
    """Apply the provider's events of the last three days that never arrived, then end expired payment
    grace periods (run it daily)."""
    runtime = prepare(Settings.from_environment())

    async def run(container: Container) -> tuple[Sequence[tuple[str, str]], tuple[ClientId, ...]]:
        use_cases = container.use_cases.container
        outcomes = await (await resolve(use_cases.reconcile_billing_events))()
        return outcomes, await (await resolve(use_cases.enforce_payment_grace))()

    try:
        outcomes, downgraded = asyncio.run(_with_container(runtime, run))
    finally:
        runtime.stop()
    for event_id, outcome in outcomes:
        click.echo(f"{event_id}  {outcome}")
    click.echo(f"{len(outcomes)} events read, {sum(o == 'applied' for _, o in outcomes)} applied")
    click.echo(f"{len(downgraded)} clients moved to free after the payment grace period")


@main.command()
def demo() -> None:
    """Seed the demo agency (once): a client on each tier with a year of figures."""
    runtime = prepare(Settings.from_environment())
    try:
        _seed(runtime)
    finally:
        runtime.stop()


def _seed(runtime: Runtime) -> None:
    logins = asyncio.run(_with_container(runtime, seed_demo))
    if logins is None:
        click.echo("demo data already present")
        return
    click.echo(f"demo agency seeded; every account's password is {DEMO_PASSWORD!r}:")
    for login in logins:
        click.echo(f"  {login.email:<32} {login.tier.value if login.tier else 'agency admin'}")


@main.command()
def worker() -> None:
    """Run the background worker (on an embedded Valkey when ARCO_REDIS_URL is unset)."""
    with Lifetime() as lifetime:
        settings = _job_queue(lifetime, Settings.from_environment())
        observe_process(settings)
        runtime = _prepared(lifetime, settings)
        redis_url = settings.redis_url or ""
        click.echo(f"worker on {redis_url}; data dir {settings.data_dir.resolve()}")
        try:
            build_worker(runtime, redis_url).run()
        except (QueueConnectionError, QueueTimeoutError) as lost:
            # Whoever runs the worker starts it again (`arco serve --with-worker` does); the job requests
            # committed meanwhile wait in the outbox.
            raise SystemExit(f"the worker lost the job queue at {redis_url}: {lost}") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Seed the demo agency first (once).")
@click.option("--with-worker", is_flag=True, help="Also run the background worker, for local use.")
def serve(host: str, port: int, workers: int, with_demo: bool, with_worker: bool) -> None:
    """Serve the HTTP API (on the embedded database when ARCO_DATABASE_URL is unset)."""
    import uvicorn

    # Links the API hands out (checkout returns, the sandbox's pages) point at this server unless told otherwise.
    os.environ.setdefault("ARCO_PUBLIC_URL", f"http://{host}:{port}")
    with Lifetime() as lifetime:
        # Rate limits are shared by every server process (and the queue by the worker): on the configured Redis,
        # or on one embedded Valkey that every process started here is pointed at.
        settings = _job_queue(lifetime, Settings.from_environment())
        observe_process(settings)
        runtime = _prepared(lifetime, settings)
        if with_demo:
            _seed(runtime)
        export(runtime)
        if with_worker:
            with lifetime.starting():
                worker_process = WorkerProcess([sys.executable, "-m", "arco_entrypoints.cli", "worker"])
                lifetime.callback(worker_process.stop)
        click.echo(f"ARCO API      http://{host}:{port}/v1")
        click.echo(f"API docs      http://{host}:{port}/schema")
        click.echo(f"data dir      {settings.data_dir.resolve()}")
        uvicorn.run(
            "arco_entrypoints.asgi:create", factory=True, host=host, port=port, workers=workers,
            timeout_graceful_shutdown=DRAIN_SECONDS, **SERVER_OPTIONS,
        )  # fmt: skip


if __name__ == "__main__":
    main()
