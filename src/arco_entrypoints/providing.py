"""Taking things out of the container from async code."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from dependency_injector import containers, providers

T = TypeVar("T")


async def resolve(provider: providers.Provider[T]) -> T:
    """The provider's object. Providers that depend on an async resource (the database engine) hand back
    an awaitable; this awaits it."""
    built: Any = provider()
    return await built if inspect.isawaitable(built) else built  # type: ignore[no-any-return]


async def start_resources(container: containers.Container) -> None:
    """Open every resource of `container` (the engines, the HTTP clients), awaiting the async ones."""
    started = container.init_resources()
    if started is not None:
        await started


async def stop_resources(container: containers.Container) -> None:
    """Close what `start_resources` opened."""
    stopped = container.shutdown_resources()
    if stopped is not None:
        await stopped
