"""Scheduled runs that must happen once, however many workers fire them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol


class ScheduledRuns(Protocol):
    def once(self, job: str, tick: datetime) -> AbstractAsyncContextManager[bool]:
        """Enter with `True` when this caller is to run `job` for `tick`, `False` when another caller is
        running it or already ran it. The run is recorded when the block exits normally; an exception leaves
        it unrecorded, so a later attempt runs it again (each job's own units of work are all-or-nothing)."""
        ...
