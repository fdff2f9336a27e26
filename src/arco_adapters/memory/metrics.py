"""Memory campaigns and time-series metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import cached_property
from typing import Any

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import in_scope
from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import CampaignId, ClientId
from arco_domain.model.campaigns import Campaign, CampaignTotals, DailyCampaignMetrics, summarize
from arco_domain.model.network import DailyTraffic, TrafficTotals
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.metrics import Measurement


class MemoryCampaignRepository(Scoped):
    kind = "campaign"

    async def add(self, campaign: Campaign) -> None:
        same = self._table.select(
            lambda c: (
                (c.client_id, c.platform, c.external_id)
                == (campaign.client_id, campaign.platform, campaign.external_id)
            )
        )
        if any(same):
            raise Conflict(f"{campaign.platform} campaign {campaign.external_id} exists")
        self._check_references(campaign)
        self._insert(campaign)

    def _check_references(self, campaign: Campaign) -> None:
        """What the database's same-client foreign keys refuse: a project or ad account of another client."""
        for kind, reference in (("project", campaign.project_id), ("ad_account", campaign.ad_account_id)):
            if reference is not None:
                self._store.table(kind).get(reference, self._mine(campaign.client_id))

    async def get(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign:
        campaign: Campaign = self._table.get(campaign_id, self._mine(client_id))
        return campaign

    get_for_update = get

    async def list_for_client(self, client_id: ClientId) -> Sequence[Campaign]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda c: (c.platform, c.name))

    async def update(self, campaign: Campaign) -> None:
        stored: Campaign = self._table.get(campaign.id, self._mine(campaign.client_id))
        self._check_references(campaign)
        # Only what the port names is stored; the platform, external id and creation time stay as added.
        kept = replace(campaign, platform=stored.platform, external_id=stored.external_id, created_at=stored.created_at)
        self._table.put(campaign.id, kept)


class MemoryMetricsRepository(Scoped):
    kind = "metrics"

    def _series(self, name: str) -> dict[Any, Any]:
        series: dict[Any, Any] = self._store.series.setdefault(name, {})
        return series

    def _check_scope(self, client_id: ClientId) -> None:
        if not in_scope(self._scope, client_id):
            raise NotFound("client", client_id)

    async def record_traffic(self, traffic: DailyTraffic) -> None:
        self._check_scope(traffic.client_id)
        self._series("traffic")[(traffic.client_id, traffic.project_id, traffic.day)] = traffic

    async def record_campaign_days(
        self, client_id: ClientId, days: Sequence[tuple[CampaignId, DailyCampaignMetrics]]
    ) -> None:
        campaigns = self._store.table("campaign")
        platforms = {campaign_id: campaigns.get(campaign_id, self._mine(client_id)).platform for campaign_id, _ in days}
        series = self._series("campaign_days")
        for campaign_id, day in days:
            series[(client_id, campaign_id, day.date)] = (platforms[campaign_id], day)

    async def campaign_days(
        self, client_id: ClientId, campaign_id: CampaignId, start: date, end: date
    ) -> Sequence[DailyCampaignMetrics]:
        return sorted(
            (metrics for (owner, campaign, day), (_, metrics) in self._series("campaign_days").items()
             if (owner, campaign) == (client_id, campaign_id) and in_scope(self._scope, owner) and start <= day <= end),
            key=lambda metrics: metrics.date,
        )  # fmt: skip

    async def record_measurement(self, client_id: ClientId, measurement: Measurement) -> None:
        self._check_scope(client_id)
        self._store.table("project").get(measurement.project_id, self._mine(client_id))
        self._series("measurements")[(client_id, measurement.project_id, measurement.measured_at)] = measurement

    async def traffic_totals(self, client_id: ClientId, start: date, end: date) -> TrafficTotals:
        days = [
            t for (owner, _, day), t in self._series("traffic").items()
            if owner == client_id and in_scope(self._scope, owner) and start <= day <= end
        ]  # fmt: skip
        per_day: dict[date, int] = {}
        for traffic in days:
            per_day[traffic.day] = per_day.get(traffic.day, 0) + traffic.requests_total
        return TrafficTotals(
            bandwidth_bytes=sum(t.bandwidth_bytes for t in days),
            requests_2xx=sum(t.requests_2xx for t in days),
            requests_3xx=sum(t.requests_3xx for t in days),
            requests_4xx=sum(t.requests_4xx for t in days),
            requests_5xx=sum(t.requests_5xx for t in days),
            busiest_day=max(sorted(per_day), key=lambda d: per_day[d]) if per_day else None,
        )

    async def campaign_totals(
        self, client_id: ClientId, start: date, end: date
    ) -> Mapping[CampaignPlatform, CampaignTotals]:
        by_platform: dict[CampaignPlatform, list[DailyCampaignMetrics]] = {}
        for (owner, _, day), (platform, metrics) in self._series("campaign_days").items():
            if owner == client_id and in_scope(self._scope, owner) and start <= day <= end:
                by_platform.setdefault(platform, []).append(metrics)
        return {p: summarize(days, days[0].currency) for p, days in by_platform.items()}

    async def latest_measurements(self, client_id: ClientId) -> Sequence[Measurement]:
        latest: dict[Any, Measurement] = {}
        for (owner, project_id, _), measurement in self._series("measurements").items():
            if owner == client_id and in_scope(self._scope, owner):
                known = latest.get(project_id)
                if known is None or measurement.measured_at > known.measured_at:
                    latest[project_id] = measurement
        return sorted(latest.values(), key=lambda m: str(m.project_id))


class MemoryMetricsArea(ScopedUnit):
    @cached_property
    def campaigns(self) -> MemoryCampaignRepository:
        return MemoryCampaignRepository(self._store, self._scope)

    @cached_property
    def metrics(self) -> MemoryMetricsRepository:
        return MemoryMetricsRepository(self._store, self._scope)
