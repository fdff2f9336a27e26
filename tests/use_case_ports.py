"""Building a use-case in a test from a set of ports, whichever of them its class declares."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TypeVar

U = TypeVar("U")


def with_declared_ports(use_case: Callable[..., U], ports: Mapping[str, object], **extra: object) -> U:
    """`use_case` given those of `ports` its class declares (a use-case takes only the ports it uses), and
    `extra`, which wins over `ports`."""
    declared = inspect.signature(use_case).parameters
    return use_case(**{name: port for name, port in ports.items() if name in declared and name not in extra}, **extra)
