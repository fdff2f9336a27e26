"""The record of provider notifications already handled."""

from __future__ import annotations

from typing import Protocol

from arco_domain.ids import ClientId


class ProcessedEventLog(Protocol):
    """One row per provider event, written in the unit of work that applies the event's effect, so an
    event is either handled and recorded or neither."""

    async def record(self, provider: str, event_id: str, event_type: str) -> bool:
        """Record the event; `False` when it was recorded before (a replay: apply nothing). A concurrent
        recording of the same event waits for the first unit to finish, then reports `False`."""
        ...

    async def settle(self, provider: str, event_id: str, *, client_id: ClientId | None, outcome: str) -> None:
        """Note what handling the recorded event did (`applied`, `stale`, `ignored`, `unknown-customer` ...)."""
        ...


class BillingArea(Protocol):
    @property
    def processed_events(self) -> ProcessedEventLog: ...
