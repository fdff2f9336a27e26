"""Background work requested by use-cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class JobQueue(Protocol):
    async def enqueue(self, job: str, payload: Mapping[str, str | int | bool | None], *, dedupe_key: str) -> None:
        """Ask for `job` to run with `payload`.

        Called inside a unit of work, the request is stored with it and handed to the workers only once
        that unit commits (a transactional outbox): a rolled-back change never runs a job, and a job is
        not lost if the queue is briefly unreachable. Requests with the same `dedupe_key` run once.
        """
        ...


class JobArea(Protocol):
    @property
    def jobs(self) -> JobQueue: ...
