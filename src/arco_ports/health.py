"""Whether the services ARCO cannot serve without are answering."""

from __future__ import annotations

from typing import Protocol


class DependencyProbe(Protocol):
    async def answers(self) -> bool:
        """Whether the dependency answered a trivial request within the probe's time limit.

        Never raises: a dependency that refuses, fails or stays silent, for whatever reason, is `False`."""
        ...
