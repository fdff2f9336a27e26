"""What runs a client's project: its hosting, CDN and database, one record per project.

The record is identified by its project (a project has at most one). Each part is optional: a project
may be hosted by the agency without a CDN, or not be deployed anywhere yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.money import Money

HOSTING_COST_CURRENCY = "BRL"
"""The agency bills hosting in reais; the stored monthly cost carries no currency of its own."""

MAX_PROVIDER = 100


class HostingStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    MAINTENANCE = "maintenance"


class BackupStatus(StrEnum):
    OK = "ok"
    PENDING = "pending"
    FAILED = "failed"


def _provider(name: str, field: str) -> None:
    if not name.strip() or len(name) > MAX_PROVIDER:
        raise ValidationError(f"provider must be 1..{MAX_PROVIDER} characters", field=field)


@dataclass(frozen=True, slots=True)
class Hosting:
    """Where the site runs. `status` is `None` until the first check reports it."""

    provider: str
    status: HostingStatus | None = None
    plan: str | None = None
    monthly_cost: Money | None = None

    def __post_init__(self) -> None:
        _provider(self.provider, "hosting_provider")
        cost = self.monthly_cost
        if cost is not None and (cost.amount < 0 or cost.currency != HOSTING_COST_CURRENCY):
            raise ValidationError(
                f"monthly cost must be a non-negative amount in {HOSTING_COST_CURRENCY}", field="hosting_monthly_cost"
            )


@dataclass(frozen=True, slots=True)
class Cdn:
    """The content delivery network in front of the site; the cache hit rate is a percentage."""

    provider: str
    cache_hit_rate: Decimal | None = None

    def __post_init__(self) -> None:
        _provider(self.provider, "cdn_provider")
        rate = self.cache_hit_rate
        if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 100):
            raise ValidationError("cache hit rate must be a percentage from 0 to 100", field="cdn_cache_hit_rate")


@dataclass(frozen=True, slots=True)
class Database:
    provider: str
    size_bytes: int | None = None
    backup_status: BackupStatus | None = None
    last_backup_at: datetime | None = None

    def __post_init__(self) -> None:
        _provider(self.provider, "database_provider")
        size = self.size_bytes
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ValidationError("database size must be a non-negative integer", field="database_size_bytes")
        if self.last_backup_at is not None and self.last_backup_at.utcoffset() is None:
            raise ValidationError("last backup time must be timezone-aware", field="database_last_backup")


@dataclass(slots=True)
class Infrastructure:
    """The hosting, CDN and database of one of a client's projects."""

    client_id: ClientId
    project_id: ProjectId
    hosting: Hosting | None = None
    cdn: Cdn | None = None
    database: Database | None = None
