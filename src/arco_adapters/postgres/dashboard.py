"""PostgreSQL dashboard read: one statement whose single JSON value holds every area's rows and sums.

Each part is a sub-query on the client's rows through an index that leads with `client_id`, run under the
unit's row-level security like any other statement. The server shapes each part as the domain's dataclass
(field names, nested money and periods, instants written in UTC), so msgspec decodes the text straight into
domain values at this edge. The month's average first response is summed on the server: no ticket row
leaves it, so the statement's cost does not follow the number of tickets into Python.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import cached_property, reduce
from itertools import chain
from operator import add
from typing import Any

import msgspec
from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Date,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import aggregate_order_by

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.metrics import campaign_totals_query, traffic_totals_query
from arco_adapters.postgres.operations import incidents_overlapping_query
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.campaigns import CampaignTotals
from arco_domain.model.clients import Client
from arco_domain.model.domains import Domain
from arco_domain.model.infrastructure import HOSTING_COST_CURRENCY, Infrastructure
from arco_domain.model.network import TrafficTotals
from arco_domain.model.projects import Milestone, Project
from arco_domain.model.tiers import CampaignPlatform, Resource
from arco_domain.model.uptime import Incident
from arco_ports.dashboard import DashboardFacts, FirstResponses, MonthWindow
from arco_ports.metrics import Measurement

_UTC_TEXT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'

# The statement is built once, on these parameters, so that a request pays neither for building it nor for
# its cache key. Typed `Any`: each stands where the query builders take a value of its own type.
_CLIENT: Any = bindparam("client_id", type_=PG_UUID(as_uuid=True))
_NOW: Any = bindparam("now", type_=t.TIMESTAMPTZ)
_PERIODS: Any = bindparam("periods", expanding=True, type_=Text())


def _object(**fields: Any) -> ColumnElement[Any]:
    """A JSON object of `fields` (names are this module's own identifiers, never input)."""
    return func.json_build_object(*chain.from_iterable((literal_column(f"'{k}'"), v) for k, v in fields.items()))


def _instant(column: Any) -> ColumnElement[Any]:
    """An instant as RFC 3339 text in UTC, whatever the session's time zone (null stays null)."""
    return func.to_char(func.timezone("UTC", column), _UTC_TEXT)


def _when(present: Any, value: ColumnElement[Any]) -> ColumnElement[Any]:
    """`value`, or JSON null where `present` is null (an optional part of an entity)."""
    return case((present.is_(None), null()), else_=value)


def _money(amount: Any, currency: Any) -> ColumnElement[Any]:
    return _when(amount, _object(amount=amount, currency=currency))


def _list(query: Select[Any], item: ColumnElement[Any], *order: Any) -> ColumnElement[Any]:
    """The JSON array of `item` over `query`'s rows, in `order`; empty (not null) without rows."""
    items = func.json_agg(aggregate_order_by(item, *order)) if order else func.json_agg(item)
    return func.coalesce(
        query.with_only_columns(items, maintain_column_froms=True).scalar_subquery(), literal_column("'[]'::json")
    )


def _month_window() -> CTE:
    """This month on the client's clock: its instants, first day and today, from `clients.time_zone` (the same
    month `MonthWindow.holding` gives in Python)."""
    zone = select(t.clients.c.time_zone).where(t.clients.c.id == _CLIENT).scalar_subquery()
    local_now = func.timezone(zone, _NOW)
    local_month = func.date_trunc("month", local_now)
    return select(
        func.timezone(zone, local_month).label("start"),
        func.timezone(zone, local_month + literal_column("interval '1 month'")).label("end"),
        cast(local_month, Date).label("first_day"),
        cast(local_now, Date).label("today"),
        func.to_char(local_month, "YYYY-MM").label("month"),
    ).cte("month_window")


_WINDOW = _month_window()
_WINDOW_VALUES: list[Any] = [select(column).scalar_subquery() for column in _WINDOW.c]
_START, _END, _FIRST_DAY, _TODAY, _MONTH = _WINDOW_VALUES


def _client_part(client_id: ClientId) -> ColumnElement[Any]:
    c = t.clients.c
    item = _object(
        id=c.id, name=c.name, tier=c.tier, created_at=_instant(c.created_at), custom_limits=c.custom_limits,
        billing_period=_when(
            c.billing_period_start,
            _object(start=_instant(c.billing_period_start), end=_instant(c.billing_period_end)),
        ),
        subscription_status=c.subscription_status,
        billing=_when(
            c.stripe_customer_id,
            _object(
                customer_id=c.stripe_customer_id, subscription_id=c.stripe_subscription_id,
                observed_at=_instant(c.subscription_observed_at), past_due_since=_instant(c.past_due_since),
                cancel_at_period_end=c.cancel_at_period_end,
            ),
        ),
        time_zone=c.time_zone,
    )  # fmt: skip
    return select(item).where(c.id == client_id).scalar_subquery()


def _usage_part(client_id: ClientId, periods: Any) -> ColumnElement[Any]:
    q = t.quota_usage.c
    greatest = select(q.resource, func.max(q.period)).where(q.client_id == client_id).group_by(q.resource)
    rows = select(t.quota_usage).where(
        q.client_id == client_id,
        or_(q.period.in_(periods), func.row(q.resource, q.period).in_(greatest)),
    )
    return _list(rows, _object(resource=q.resource, period=q.period, used=q.used))


def first_responses_query(client_id: ClientId, start: datetime, end: datetime) -> Select[int, int]:
    """How many of the client's tickets opened in `[start, end)` have a first response, and their waits summed
    in whole microseconds (timestamps hold microseconds, so the sum is exact)."""
    s = t.support_tickets.c
    wait = func.extract("epoch", s.first_response_at) - func.extract("epoch", s.created_at)
    return select(
        func.count(s.first_response_at).label("answered"),
        cast(func.coalesce(func.sum(wait), 0) * 1_000_000, BigInteger).label("total_wait_us"),
    ).where(s.client_id == client_id, s.created_at >= start, s.created_at < end)


def _first_responses_part(client_id: ClientId) -> ColumnElement[Any]:
    """The month's first responses from their running total (`ticket_response_months`): one row, however
    many tickets the month holds."""
    r = t.ticket_response_months.c
    total = select(_object(answered=r.answered, total_wait_us=r.total_wait_us)).where(
        r.client_id == client_id, r.month == _MONTH
    )
    return func.coalesce(total.scalar_subquery(), _object(answered=0, total_wait_us=0))


def _projects_part(client_id: ClientId) -> ColumnElement[Any]:
    p = t.projects.c
    item = _object(
        id=p.id, client_id=p.client_id, name=p.name, status=p.status, created_at=_instant(p.created_at),
        description=p.description, start_date=p.start_date, estimated_delivery=p.estimated_delivery,
        actual_delivery=p.actual_delivery, budget_total=_money(p.budget_total, p.currency),
        budget_used=_money(p.budget_used, p.currency),
    )  # fmt: skip
    return _list(select(t.projects).where(p.client_id == client_id), item, p.created_at)


def _milestones_part(client_id: ClientId) -> ColumnElement[Any]:
    m = t.milestones.c
    item = _object(
        id=m.id, project_id=m.project_id, client_id=m.client_id, title=m.title, due_date=m.due_date,
        created_at=_instant(m.created_at), completed_at=_instant(m.completed_at),
    )  # fmt: skip
    rows = select(t.milestones).where(m.client_id == client_id)
    return _list(rows, item, m.project_id, m.due_date.asc().nulls_last(), m.created_at)


def _domains_part(client_id: ClientId) -> ColumnElement[Any]:
    d = t.domains.c
    item = _object(
        id=d.id, client_id=d.client_id, name=d.name, status=d.status, nameservers=d.nameservers,
        ssl_status=d.ssl_status, ssl_expires_on=d.ssl_expires_on, renewal_date=d.renewal_date,
        project_id=d.project_id, created_at=_instant(d.created_at), zone_id=d.zone_id,
        hostname_status=d.hostname_status, provider_checked_at=_instant(d.provider_checked_at),
        provider_unreachable_since=_instant(d.provider_unreachable_since),
    )  # fmt: skip
    return _list(select(t.domains).where(d.client_id == client_id), item, d.name)


def _infrastructure_part(client_id: ClientId) -> ColumnElement[Any]:
    i = t.infrastructure.c
    hosting = _object(
        provider=i.hosting_provider, status=i.hosting_status, plan=i.hosting_plan,
        monthly_cost=_money(i.hosting_monthly_cost, literal_column(f"'{HOSTING_COST_CURRENCY}'")),
    )  # fmt: skip
    database = _object(
        provider=i.database_provider, size_bytes=i.database_size_bytes, backup_status=i.database_backup_status,
        last_backup_at=_instant(i.database_last_backup),
    )  # fmt: skip
    item = _object(
        client_id=i.client_id, project_id=i.project_id, hosting=_when(i.hosting_provider, hosting),
        cdn=_when(i.cdn_provider, _object(provider=i.cdn_provider, cache_hit_rate=i.cdn_cache_hit_rate)),
        database=_when(i.database_provider, database),
    )  # fmt: skip
    return _list(select(t.infrastructure).where(i.client_id == client_id), item, i.project_id)


def _traffic_part(client_id: ClientId, first_day: date, today: date) -> ColumnElement[Any]:
    totals = traffic_totals_query(client_id, first_day, today).subquery()
    n = totals.c
    item = _object(
        bandwidth_bytes=n.bandwidth_bytes, requests_2xx=n.requests_2xx, requests_3xx=n.requests_3xx,
        requests_4xx=n.requests_4xx, requests_5xx=n.requests_5xx, busiest_day=n.busiest_day,
    )  # fmt: skip
    return select(item).select_from(totals).scalar_subquery()


def _file_count_part(client_id: ClientId) -> ColumnElement[Any]:
    return select(func.count()).where(t.storage_items.c.client_id == client_id).scalar_subquery()


def _measurements_part(client_id: ClientId) -> ColumnElement[Any]:
    """Each project's newest measurement, one index probe per project however long its history."""
    p, m = t.projects.c, t.performance_metrics.c
    newest = (
        select(t.performance_metrics)
        .where(m.client_id == p.client_id, m.project_id == p.id)
        .order_by(m.measured_at.desc())
        .limit(1)
        .lateral()
    )
    n = newest.c
    sample = _object(
        lcp_seconds=n.lcp_seconds, inp_ms=n.inp_ms, cls=n.cls, fid_ms=n.fid_ms,
        lighthouse_performance=n.lighthouse_performance, lighthouse_accessibility=n.lighthouse_accessibility,
        lighthouse_best_practices=n.lighthouse_best_practices, lighthouse_seo=n.lighthouse_seo,
    )  # fmt: skip
    item = _object(project_id=n.project_id, measured_at=_instant(n.measured_at), sample=sample)
    rows = select(p.id).select_from(t.projects.join(newest, literal_column("true"))).where(p.client_id == client_id)
    return _list(rows, item, p.id)


def _incidents_part(client_id: ClientId, start: datetime, end: datetime) -> ColumnElement[Any]:
    found = incidents_overlapping_query(client_id, start, end).subquery()
    i = found.c
    item = _object(
        id=i.id, client_id=i.client_id, project_id=i.project_id, title=i.title, severity=i.severity,
        started_at=_instant(i.started_at), status=i.status, resolved_at=_instant(i.resolved_at),
        description=i.description, root_cause=i.root_cause, resolution_notes=i.resolution_notes,
        affected_users=i.affected_users,
    )  # fmt: skip
    return _list(select(found), item, i.started_at, i.id)


def _campaigns_part(client_id: ClientId, first_day: date, today: date) -> ColumnElement[Any]:
    sums = campaign_totals_query(client_id, first_day, today).subquery()
    c = sums.c
    totals = _object(
        impressions=c.impressions, clicks=c.clicks, conversions=c.conversions,
        spend=_object(amount=c.spend, currency=c.currency), revenue=_object(amount=c.revenue, currency=c.currency),
    )  # fmt: skip
    return _list(select(sums), _object(platform=c.platform, totals=totals), c.platform, c.currency)


def _dashboard_query() -> Select[Any]:
    """The one statement of `facts`: a single row holding a single JSON text."""
    window = _when(_START, _object(start=_instant(_START), end=_instant(_END), first_day=_FIRST_DAY, today=_TODAY))
    facts = _object(
        client=_client_part(_CLIENT),
        window=window,
        usage=_usage_part(_CLIENT, _PERIODS),
        first_responses=_first_responses_part(_CLIENT),
        projects=_projects_part(_CLIENT),
        milestones=_milestones_part(_CLIENT),
        domains=_domains_part(_CLIENT),
        infrastructure=_infrastructure_part(_CLIENT),
        traffic=_traffic_part(_CLIENT, _FIRST_DAY, _TODAY),
        file_count=_file_count_part(_CLIENT),
        measurements=_measurements_part(_CLIENT),
        incidents=_incidents_part(_CLIENT, _START, _END),
        campaigns=_campaigns_part(_CLIENT, _FIRST_DAY, _TODAY),
    )
    return select(cast(facts, Text))


DASHBOARD = _dashboard_query()
"""The dashboard's statement, on the parameters `client_id`, `now` and `periods`."""


class _Usage(msgspec.Struct):
    resource: Resource
    period: str
    used: int


class _FirstResponses(msgspec.Struct):
    answered: int
    total_wait_us: int

    def added_up(self) -> FirstResponses:
        return FirstResponses(self.answered, timedelta(microseconds=self.total_wait_us))


class _PlatformTotals(msgspec.Struct):
    platform: CampaignPlatform
    totals: CampaignTotals


class _Facts(msgspec.Struct):
    """The statement's JSON as it comes: domain values, plus the few shapes JSON cannot hold directly."""

    client: Client | None
    window: MonthWindow | None
    """Null, with the client, when the client is out of the unit's scope."""
    usage: list[_Usage]
    first_responses: _FirstResponses
    projects: list[Project]
    milestones: list[Milestone]
    domains: list[Domain]
    infrastructure: list[Infrastructure]
    traffic: TrafficTotals
    file_count: int
    measurements: list[Measurement]
    incidents: list[Incident]
    campaigns: list[_PlatformTotals]


_DECODER = msgspec.json.Decoder(_Facts)


class PostgresDashboardReader(Repository):
    async def facts(self, client_id: ClientId, now: datetime, periods: Collection[str]) -> DashboardFacts:
        parameters = {"client_id": client_id, "now": now, "periods": sorted(periods)}
        found = _DECODER.decode((await self._run_with(DASHBOARD, parameters)).scalar_one())
        if found.client is None or found.window is None:
            raise NotFound("client", client_id)
        by_platform: dict[CampaignPlatform, list[CampaignTotals]] = {}
        for row in found.campaigns:  # one row per platform and currency; two currencies cannot be added
            by_platform.setdefault(row.platform, []).append(row.totals)
        return DashboardFacts(
            client=found.client,
            window=found.window,
            usage={(u.resource, u.period): u.used for u in found.usage},
            first_responses=found.first_responses.added_up(),
            projects=found.projects,
            milestones=found.milestones,
            domains=found.domains,
            infrastructure=found.infrastructure,
            traffic=found.traffic,
            file_count=found.file_count,
            measurements=found.measurements,
            incidents=found.incidents,
            campaigns={platform: reduce(add, totals) for platform, totals in by_platform.items()},
        )

    async def first_responses(self, client_id: ClientId, start: datetime, end: datetime) -> FirstResponses:
        row = (await self._run(first_responses_query(client_id, start, end))).one()
        return FirstResponses(int(row.answered), timedelta(microseconds=int(row.total_wait_us)))


class PostgresDashboardArea(UnitConnection):
    @cached_property
    def dashboard(self) -> PostgresDashboardReader:
        return PostgresDashboardReader(self._open_connection)
