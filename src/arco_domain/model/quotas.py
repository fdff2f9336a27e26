"""Quota rules: admission, periods and the over-limit report.

Stocks (projects, domains, team members, storage bytes) are held while the resource exists and freed on
delete. The flow (support tickets) is counted per quota period and never freed; the period is part of
the usage key, so a new period starts at zero without any reset job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

from arco_domain.errors import QuotaExceeded, ValidationError
from arco_domain.model.tiers import Resource

STOCK_PERIOD = "stock"
"""Period key of every stock resource: stocks are not counted per period."""


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """A paid subscription's current period, half-open: `start <= t < end`."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationError("billing period bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValidationError("billing period must end after it starts")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def can_admit(used: int, requested: int, limit: int | None) -> bool:
    """A create of `requested` is allowed iff `used + requested <= limit`; unlimited always admits."""
    if requested <= 0:
        raise ValidationError("a quota admission must request a positive amount", field="requested")
    return limit is None or used + requested <= limit


def admit(resource: Resource, used: int, requested: int, limit: int | None) -> int:
    """Return the usage after admitting `requested`, or raise `QuotaExceeded`."""
    if not can_admit(used, requested, limit):
        assert limit is not None
        raise QuotaExceeded(resource.value, limit=limit, used=used, requested=requested)
    return used + requested


def calendar_month_key(moment: datetime, zone: tzinfo) -> str:
    """`YYYY-MM` of the calendar month that holds `moment` on the clocks of `zone`."""
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def quota_period_key(resource: Resource, moment: datetime, billing_period: BillingPeriod | None, zone: tzinfo) -> str:
    """The usage key's period for `resource` at `moment`.

    Flows count per calendar month in the client's time zone `zone` for unpaid clients and per billing
    period for paid ones. A billing period that does not contain `moment` (a renewal the billing system has
    not reported yet) falls back to the calendar month, so tickets are never counted against a period
    already over.
    """
    if not resource.is_flow:
        return STOCK_PERIOD
    if billing_period is not None and billing_period.contains(moment):
        return "billing:" + billing_period.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return calendar_month_key(moment, zone)


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """Where a client stands on one resource: what the dashboard shows."""

    resource: Resource
    used: int
    limit: int | None
    period: str

    @property
    def percent(self) -> Decimal | None:
        if self.limit is None:
            return None
        if self.limit == 0:
            return Decimal(100) if self.used else Decimal(0)
        return (Decimal(self.used) * 100 / self.limit).quantize(Decimal("0.1"), ROUND_HALF_EVEN)

    @property
    def over_limit(self) -> bool:
        """Usage above the limit, which only a downgrade (or a lowered custom limit) can cause."""
        return self.limit is not None and self.used > self.limit

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)
