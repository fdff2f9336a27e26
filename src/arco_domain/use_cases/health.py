"""Operational checks."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from arco_ports.health import DependencyProbe


@dataclass(frozen=True, slots=True)
class Readiness:
    down: tuple[str, ...]
    """The dependencies that did not answer, by name, in alphabetical order."""

    @property
    def ready(self) -> bool:
        return not self.down


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReadiness:
    """Ask every dependency at once whether it answers (the slowest probe's time limit bounds the check), and
    name the ones that do not."""

    probes: Mapping[str, DependencyProbe]

    async def __call__(self) -> Readiness:
        names = sorted(self.probes)
        answers = await asyncio.gather(*(self.probes[name].answers() for name in names))
        return Readiness(down=tuple(name for name, answered in zip(names, answers, strict=True) if not answered))
