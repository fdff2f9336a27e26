"""Ad campaigns, and the time-series figures the dashboard reads: traffic, ad results and site performance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from arco_domain.ids import CampaignId, ClientId, ProjectId
from arco_domain.model.campaigns import Campaign, CampaignTotals, DailyCampaignMetrics
from arco_domain.model.network import DailyTraffic, TrafficTotals
from arco_domain.model.performance import PerformanceSample
from arco_domain.model.tiers import CampaignPlatform


@dataclass(frozen=True, slots=True)
class Measurement:
    project_id: ProjectId
    measured_at: datetime
    sample: PerformanceSample


class MetricsRepository(Protocol):
    """Daily rows are keyed by their natural key, so recording a day twice replaces it: syncs may re-run."""

    async def record_traffic(self, traffic: DailyTraffic) -> None: ...

    async def record_campaign_days(
        self, client_id: ClientId, days: Sequence[tuple[CampaignId, DailyCampaignMetrics]]
    ) -> None:
        """Store each campaign's day, replacing what was stored for that campaign and date (a platform's
        restatement). Raises `NotFound` when a campaign is not the client's."""
        ...

    async def campaign_days(
        self, client_id: ClientId, campaign_id: CampaignId, start: date, end: date
    ) -> Sequence[DailyCampaignMetrics]:
        """The campaign's stored days in `[start, end]`, oldest first; empty for another client's campaign."""
        ...

    async def record_measurement(self, client_id: ClientId, measurement: Measurement) -> None: ...

    async def traffic_totals(self, client_id: ClientId, start: date, end: date) -> TrafficTotals:
        """Traffic of every project of the client for days in `[start, end]`."""
        ...

    async def campaign_totals(
        self, client_id: ClientId, start: date, end: date
    ) -> Mapping[CampaignPlatform, CampaignTotals]:
        """Summed figures per platform for days in `[start, end]`; platforms without rows are absent."""
        ...

    async def latest_measurements(self, client_id: ClientId) -> Sequence[Measurement]:
        """The most recent measurement of each of the client's projects."""
        ...


class CampaignRepository(Protocol):
    async def add(self, campaign: Campaign) -> None:
        """Raises `Conflict` when the client already has the platform's campaign with that external id."""
        ...

    async def get(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign: ...

    async def get_for_update(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign:
        """`get`, holding the campaign's row until the unit of work ends."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Campaign]:
        """By platform, then name."""
        ...

    async def update(self, campaign: Campaign) -> None:
        """Stores name, status, budget, project and ad account. Raises `NotFound`."""
        ...


class MetricsArea(Protocol):
    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def metrics(self) -> MetricsRepository: ...
