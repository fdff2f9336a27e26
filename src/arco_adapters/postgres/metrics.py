"""PostgreSQL campaigns and time-series metrics.

The read queries are built by module-level functions so the benchmark can EXPLAIN exactly what runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, cast, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import AdAccountId, CampaignId, ClientId, ProjectId
from arco_domain.model.campaigns import Campaign, CampaignStatus, CampaignTotals, DailyCampaignMetrics
from arco_domain.model.money import Money
from arco_domain.model.network import DailyTraffic, TrafficTotals
from arco_domain.model.performance import PerformanceSample, performance_grade
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.metrics import Measurement


def _campaign(row: Row[Any]) -> Campaign:
    return Campaign(
        id=CampaignId(row.id),
        client_id=ClientId(row.client_id),
        platform=CampaignPlatform(row.platform),
        external_id=row.external_id,
        name=row.name,
        status=CampaignStatus(row.status),
        project_id=ProjectId(row.project_id) if row.project_id else None,
        budget_daily=Money(row.budget_daily, row.currency) if row.budget_daily is not None else None,
        created_at=row.created_at,
        ad_account_id=AdAccountId(row.ad_account_id) if row.ad_account_id else None,
    )


def _campaign_values(campaign: Campaign) -> dict[str, Any]:
    return {
        "project_id": campaign.project_id,
        "name": campaign.name,
        "status": campaign.status.value,
        "budget_daily": campaign.budget_daily.amount if campaign.budget_daily else None,
        "currency": campaign.budget_daily.currency if campaign.budget_daily else "BRL",
        "ad_account_id": campaign.ad_account_id,
    }


CAMPAIGN_DAY_COLUMNS = (
    "client_id", "campaign_id", "date", "impressions", "clicks", "conversions", "cost", "revenue", "currency",
)  # fmt: skip
UPSERT_BATCH = 10_000
"""Days per statement: large enough that the per-statement cost vanishes, small enough to bound a message."""


def campaign_days_upsert() -> Any:
    """The statement that stores a batch of campaign days, each column sent as one array (`unnest`), so the
    server runs one statement per batch rather than one per day. A day already stored is replaced, and left
    untouched (no new row version) when the platform reported the same figures again."""
    m = t.campaign_metrics.c
    arrays = [cast(bindparam(name), ARRAY(m[name].type)) for name in CAMPAIGN_DAY_COLUMNS]
    days = func.unnest(*arrays).table_valued(*CAMPAIGN_DAY_COLUMNS).render_derived(name="days")
    statement = pg_insert(t.campaign_metrics).from_select(list(CAMPAIGN_DAY_COLUMNS), select(*days.c))
    figures = CAMPAIGN_DAY_COLUMNS[3:]
    incoming = statement.excluded
    return statement.on_conflict_do_update(
        constraint=t.campaign_metrics.primary_key,
        set_={name: incoming[name] for name in figures},
        where=tuple_(*(m[name] for name in figures)).is_distinct_from(tuple_(*(incoming[name] for name in figures))),
    )


class PostgresCampaignRepository(Repository):
    async def add(self, campaign: Campaign) -> None:
        await self._run(
            insert(t.campaigns).values(
                id=campaign.id,
                client_id=campaign.client_id,
                platform=campaign.platform.value,
                external_id=campaign.external_id,
                created_at=campaign.created_at,
                **_campaign_values(campaign),
            )
        )

    def _one_of(self, client_id: ClientId, campaign_id: CampaignId) -> Select[Any]:
        c = t.campaigns.c
        return select(t.campaigns).where(c.client_id == client_id, c.id == campaign_id)

    async def get(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign:
        return _campaign(await self._one(self._one_of(client_id, campaign_id), "campaign", campaign_id))

    async def get_for_update(self, client_id: ClientId, campaign_id: CampaignId) -> Campaign:
        return _campaign(await self._one(locked(self._one_of(client_id, campaign_id)), "campaign", campaign_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Campaign]:
        c = t.campaigns.c
        query = select(t.campaigns).where(c.client_id == client_id).order_by(c.platform, c.name)
        return [_campaign(row) for row in await self._all(query)]

    async def update(self, campaign: Campaign) -> None:
        c = t.campaigns.c
        statement = (
            update(t.campaigns)
            .where(c.client_id == campaign.client_id, c.id == campaign.id)
            .values(updated_at=func.now(), **_campaign_values(campaign))
        )
        await self._must_change(statement, "campaign", campaign.id)


def traffic_totals_query(client_id: ClientId, start: date, end: date) -> Select[Any]:
    n = t.network_usage.c
    in_range = and_(n.client_id == client_id, n.date >= start, n.date <= end)
    busiest = (
        select(n.date)
        .where(in_range)
        .group_by(n.date)
        .order_by(func.sum(n.requests_total).desc(), n.date)
        .limit(1)
        .scalar_subquery()
    )
    return select(
        func.coalesce(func.sum(n.bandwidth_bytes), 0).label("bandwidth_bytes"),
        func.coalesce(func.sum(n.requests_2xx), 0).label("requests_2xx"),
        func.coalesce(func.sum(n.requests_3xx), 0).label("requests_3xx"),
        func.coalesce(func.sum(n.requests_4xx), 0).label("requests_4xx"),
        func.coalesce(func.sum(n.requests_5xx), 0).label("requests_5xx"),
        busiest.label("busiest_day"),
    ).where(in_range)


def campaign_totals_query(client_id: ClientId, start: date, end: date) -> Select[Any]:
    m, c = t.campaign_metrics.c, t.campaigns.c
    return (
        select(
            c.platform,
            m.currency,
            func.sum(m.impressions).label("impressions"),
            func.sum(m.clicks).label("clicks"),
            func.sum(m.conversions).label("conversions"),
            func.sum(m.cost).label("spend"),
            func.sum(m.revenue).label("revenue"),
        )
        .select_from(t.campaign_metrics.join(t.campaigns, and_(c.client_id == m.client_id, c.id == m.campaign_id)))
        .where(m.client_id == client_id, m.date >= start, m.date <= end)
        .group_by(c.platform, m.currency)
    )


def latest_measurements_query(client_id: ClientId) -> Select[Any]:
    p = t.performance_metrics.c
    return (
        select(t.performance_metrics)
        .where(p.client_id == client_id)
        .order_by(p.project_id, p.measured_at.desc())
        .ext(distinct_on(p.project_id))
    )


class PostgresMetricsRepository(Repository):
    async def record_traffic(self, traffic: DailyTraffic) -> None:
        values = {
            "bandwidth_bytes": traffic.bandwidth_bytes,
            "requests_total": traffic.requests_total,
            "requests_2xx": traffic.requests_2xx,
            "requests_3xx": traffic.requests_3xx,
            "requests_4xx": traffic.requests_4xx,
            "requests_5xx": traffic.requests_5xx,
        }
        statement = pg_insert(t.network_usage).values(
            client_id=traffic.client_id, project_id=traffic.project_id, date=traffic.day, **values
        )
        await self._run(statement.on_conflict_do_update(constraint=t.network_usage.primary_key, set_=values))

    async def record_campaign_days(
        self, client_id: ClientId, days: Sequence[tuple[CampaignId, DailyCampaignMetrics]]
    ) -> None:
        # One statement cannot touch a row twice: a day given twice keeps its last figures, as one by one would.
        latest = list({(campaign_id, day.date): (campaign_id, day) for campaign_id, day in days}.values())
        statement = campaign_days_upsert()
        for start in range(0, len(latest), UPSERT_BATCH):
            batch = latest[start : start + UPSERT_BATCH]
            columns = (
                [client_id] * len(batch), [campaign_id for campaign_id, _ in batch], [d.date for _, d in batch],
                [d.impressions for _, d in batch], [d.clicks for _, d in batch], [d.conversions for _, d in batch],
                [d.cost.amount for _, d in batch], [d.revenue.amount for _, d in batch], [d.currency for _, d in batch],
            )  # fmt: skip
            await self._run_with(statement, dict(zip(CAMPAIGN_DAY_COLUMNS, columns, strict=True)))

    async def campaign_days(
        self, client_id: ClientId, campaign_id: CampaignId, start: date, end: date
    ) -> Sequence[DailyCampaignMetrics]:
        m = t.campaign_metrics.c
        query = (
            select(t.campaign_metrics)
            .where(m.client_id == client_id, m.campaign_id == campaign_id, m.date >= start, m.date <= end)
            .order_by(m.date)
        )
        return [
            DailyCampaignMetrics(
                date=row.date,
                impressions=row.impressions,
                clicks=row.clicks,
                conversions=row.conversions,
                cost=Money(row.cost, row.currency),
                revenue=Money(row.revenue, row.currency),
            )
            for row in await self._all(query)
        ]

    async def record_measurement(self, client_id: ClientId, measurement: Measurement) -> None:
        sample = measurement.sample
        grade = performance_grade(sample)
        await self._run(
            insert(t.performance_metrics).values(
                id=func.uuidv7(),
                client_id=client_id,
                project_id=measurement.project_id,
                measured_at=measurement.measured_at,
                lcp_seconds=sample.lcp_seconds,
                inp_ms=sample.inp_ms,
                cls=sample.cls,
                fid_ms=sample.fid_ms,
                lighthouse_performance=sample.lighthouse_performance,
                lighthouse_accessibility=sample.lighthouse_accessibility,
                lighthouse_best_practices=sample.lighthouse_best_practices,
                lighthouse_seo=sample.lighthouse_seo,
                grade=grade.value if grade else None,
            )
        )

    async def traffic_totals(self, client_id: ClientId, start: date, end: date) -> TrafficTotals:
        row = (await self._run(traffic_totals_query(client_id, start, end))).one()
        return TrafficTotals(
            bandwidth_bytes=int(row.bandwidth_bytes),
            requests_2xx=int(row.requests_2xx),
            requests_3xx=int(row.requests_3xx),
            requests_4xx=int(row.requests_4xx),
            requests_5xx=int(row.requests_5xx),
            busiest_day=row.busiest_day,
        )

    async def campaign_totals(
        self, client_id: ClientId, start: date, end: date
    ) -> Mapping[CampaignPlatform, CampaignTotals]:
        totals: dict[CampaignPlatform, CampaignTotals] = {}
        for row in await self._all(campaign_totals_query(client_id, start, end)):
            platform_total = CampaignTotals(
                int(row.impressions),
                int(row.clicks),
                Decimal(row.conversions),
                Money(row.spend, row.currency),
                Money(row.revenue, row.currency),
            )
            platform = CampaignPlatform(row.platform)
            totals[platform] = totals[platform] + platform_total if platform in totals else platform_total
        return totals

    async def latest_measurements(self, client_id: ClientId) -> Sequence[Measurement]:
        rows = await self._all(latest_measurements_query(client_id))
        return [
            Measurement(
                project_id=ProjectId(row.project_id),
                measured_at=row.measured_at,
                sample=PerformanceSample(
                    lcp_seconds=row.lcp_seconds,
                    inp_ms=row.inp_ms,
                    cls=row.cls,
                    fid_ms=row.fid_ms,
                    lighthouse_performance=row.lighthouse_performance,
                    lighthouse_accessibility=row.lighthouse_accessibility,
                    lighthouse_best_practices=row.lighthouse_best_practices,
                    lighthouse_seo=row.lighthouse_seo,
                ),
            )
            for row in rows
        ]


class PostgresMetricsArea(UnitConnection):
    @cached_property
    def campaigns(self) -> PostgresCampaignRepository:
        return PostgresCampaignRepository(self._open_connection)

    @cached_property
    def metrics(self) -> PostgresMetricsRepository:
        return PostgresMetricsRepository(self._open_connection)
