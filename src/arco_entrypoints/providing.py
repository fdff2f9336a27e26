"""Taking things out of the container from async code."""

from __future__ import annotations

import inspect
from typing import Any

from dependency_injector import providers


async def resolve(provider: providers.Provider[Any]) -> Any:
    """The provider's object. Providers that depend on an async resource (the database engine) hand back
    an awaitable; this awaits it."""
    built = provider()
    return await built if inspect.isawaitable(built) else built
