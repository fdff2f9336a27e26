"""The tier catalogue: what each subscription tier includes. The one place these numbers live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from arco_domain.errors import ValidationError
from arco_domain.model.money import Money

GIB = 1024**3


class Tier(StrEnum):
    FREE = "free"
    BASIC = "basic"
    PRO = "pro"
    ENTERPRISE = "enterprise"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


class Resource(StrEnum):
    """Everything a tier limits. Stocks are freed on delete; flows count per quota period."""

    PROJECTS = "projects"
    DOMAINS = "domains"
    TEAM_MEMBERS = "team_members"
    STORAGE_BYTES = "storage_bytes"
    SUPPORT_TICKETS = "support_tickets"

    @property
    def is_flow(self) -> bool:
        return self is Resource.SUPPORT_TICKETS


class MonitoringLevel(StrEnum):
    BASIC = "basic"
    ADVANCED = "advanced"
    REAL_TIME = "real_time"
    REAL_TIME_CUSTOM = "real_time_custom"


class AiInsights(StrEnum):
    NONE = "none"
    STANDARD = "standard"
    PRIORITY = "priority"


class CampaignPlatform(StrEnum):
    GOOGLE_ADS = "google_ads"
    META_ADS = "meta_ads"
    LINKEDIN_ADS = "linkedin_ads"
    TIKTOK_ADS = "tiktok_ads"


Limits = Mapping[Resource, int | None]
"""A limit per resource; `None` means unlimited."""


@dataclass(frozen=True, slots=True)
class TierPlan:
    """What one tier includes. `None` limits and SLAs mean unlimited and none respectively."""

    tier: Tier
    monthly_price: Money | None  # None: priced by contract
    limits: Limits
    monitoring: MonitoringLevel
    campaign_platforms: frozenset[CampaignPlatform]
    ai_insights: AiInsights
    white_label: bool
    first_response_sla: timedelta | None
    resolution_target: timedelta | None

    def limit(self, resource: Resource) -> int | None:
        return self.limits[resource]


def _plan(
    tier: Tier,
    price: str | None,
    *,
    tickets: int | None,
    storage_gib: int | None,
    projects: int | None,
    domains: int | None,
    team: int | None,
    monitoring: MonitoringLevel,
    platforms: frozenset[CampaignPlatform],
    ai: AiInsights,
    white_label: bool,
    sla_hours: int | None,
    resolution_hours: int | None,
) -> TierPlan:
    return TierPlan(
        tier=tier,
        monthly_price=Money(Decimal(price)) if price is not None else None,
        limits=MappingProxyType(
            {
                Resource.SUPPORT_TICKETS: tickets,
                Resource.STORAGE_BYTES: storage_gib * GIB if storage_gib is not None else None,
                Resource.PROJECTS: projects,
                Resource.DOMAINS: domains,
                Resource.TEAM_MEMBERS: team,
            }
        ),
        monitoring=monitoring,
        campaign_platforms=platforms,
        ai_insights=ai,
        white_label=white_label,
        first_response_sla=timedelta(hours=sla_hours) if sla_hours is not None else None,
        resolution_target=timedelta(hours=resolution_hours) if resolution_hours is not None else None,
    )


# Resolution targets are ARCO's own choice (the specification sets only first-response SLAs):
# basic 5 days, pro 2 days, enterprise 1 day, measured with the ticket's waiting-on-client time paused.
CATALOGUE: Mapping[Tier, TierPlan] = MappingProxyType(
    {
        Tier.FREE: _plan(
            Tier.FREE, "0", tickets=15, storage_gib=5, projects=1, domains=1, team=1,
            monitoring=MonitoringLevel.BASIC, platforms=frozenset(), ai=AiInsights.NONE,
            white_label=False, sla_hours=None, resolution_hours=None,
        ),
        Tier.BASIC: _plan(
            Tier.BASIC, "297", tickets=30, storage_gib=25, projects=3, domains=3, team=3,
            monitoring=MonitoringLevel.ADVANCED, platforms=frozenset({CampaignPlatform.GOOGLE_ADS}),
            ai=AiInsights.NONE, white_label=False, sla_hours=24, resolution_hours=120,
        ),
        Tier.PRO: _plan(
            Tier.PRO, "897", tickets=60, storage_gib=100, projects=10, domains=10, team=10,
            monitoring=MonitoringLevel.REAL_TIME,
            platforms=frozenset({CampaignPlatform.GOOGLE_ADS, CampaignPlatform.META_ADS}),
            ai=AiInsights.STANDARD, white_label=False, sla_hours=4, resolution_hours=48,
        ),
        Tier.ENTERPRISE: _plan(
            Tier.ENTERPRISE, None, tickets=None, storage_gib=None, projects=None, domains=None,
            team=None, monitoring=MonitoringLevel.REAL_TIME_CUSTOM, platforms=frozenset(CampaignPlatform),
            ai=AiInsights.PRIORITY, white_label=True, sla_hours=1, resolution_hours=24,
        ),
    }
)  # fmt: skip


def plan_for(tier: Tier) -> TierPlan:
    return CATALOGUE[tier]


def validate_custom_limits(custom: Mapping[Resource, int | None]) -> dict[Resource, int | None]:
    """Check a contract's per-client overrides: non-negative integers or `None` (unlimited)."""
    for resource, value in custom.items():
        if not isinstance(resource, Resource):
            raise ValidationError(f"unknown resource {resource!r}", field="custom_limits")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValidationError(f"limit for {resource} must be a non-negative integer or null", field="custom_limits")
    return dict(custom)


def effective_limit(tier: Tier, custom_limits: Mapping[Resource, int | None], resource: Resource) -> int | None:
    """The client's limit: its contract's override when it has one, else the tier's."""
    if resource in custom_limits:
        return custom_limits[resource]
    return plan_for(tier).limit(resource)
