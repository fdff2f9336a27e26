"""Quota usage: what each client has used of each resource in each period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from arco_domain.ids import ClientId
from arco_domain.model.tiers import Resource


class QuotaLedger(Protocol):
    """Usage counters keyed by (client, resource, period).

    `admit` is atomic: it checks `used + amount <= limit` and adds `amount` as one indivisible step, so
    that any number of concurrent admissions never take usage past the limit. Its effect belongs to the
    unit of work: a rollback undoes it.
    """

    async def admit(self, client_id: ClientId, resource: Resource, period: str, amount: int, limit: int | None) -> int:
        """Add `amount` and return the new usage, or raise `QuotaExceeded` and change nothing."""
        ...

    async def release(self, client_id: ClientId, resource: Resource, period: str, amount: int) -> int:
        """Subtract `amount` (never below zero) and return the new usage."""
        ...

    async def used(self, client_id: ClientId, resource: Resource, period: str) -> int: ...

    async def usage(self, client_id: ClientId, periods: Mapping[Resource, str]) -> dict[Resource, int]:
        """The usage of each resource in `periods` at its period, read at once (zero when never used)."""
        ...


class QuotaArea(Protocol):
    @property
    def quotas(self) -> QuotaLedger: ...
