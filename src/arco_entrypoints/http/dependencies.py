"""The bridge from the container to Litestar: each use-case factory becomes a named dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from dependency_injector import providers
from litestar.di import Provide

from arco_entrypoints.container import Container
from arco_entrypoints.providing import resolve


def use_case_dependencies(container: Container) -> dict[str, Provide]:
    """`{"create_ticket": Provide(...)}` for every use-case factory of the container, by provider name."""
    use_cases = container.use_cases.container
    return {
        name: Provide(_built_by(provider))
        for name, provider in use_cases.providers.items()
        if isinstance(provider, providers.Factory)
    }


def provided(provider: providers.Provider[Any]) -> Provide:
    """A container object that is not a use-case (the token issuer, the billing sandbox) as a dependency."""
    return Provide(_built_by(provider))


def current_time(container: Container) -> Provide:
    """`now`: the container clock's current instant, one reading per request."""

    def now() -> datetime:
        clock = container.adapters.clock()
        instant: datetime = clock.now()
        return instant

    return Provide(now, sync_to_thread=False)


def _built_by(provider: providers.Provider[Any]) -> Callable[[], Awaitable[Any]]:
    async def build() -> Any:
        return await resolve(provider)

    return build
