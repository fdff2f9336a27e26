"""Time and identity sources, so that rules never read the system clock themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID:
        """A fresh id, unique and time-ordered (UUIDv7) so that indexes stay local."""
        ...
