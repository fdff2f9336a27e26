"""`MetaAdsPlatform` through httpx and HTTP, against a local stub of the Graph API's ad account edges.

The stub serves `tests/fixtures/meta_ads/`: the `campaigns` edge of ad account `act_1234567890` over two
pages and its campaign-level daily `insights` for 23-25 November 2026 over three, shaped like Marketing API
answers (every figure a string, overlapping purchase action types, cursor paging whose `next` URLs point at
graph.facebook.com). It finds the page asked for by its `after` cursor, adds the usage headers a test sets to
every answer, answers with the replies a test queues first, and notes how many gate slots were held while
it answered. Refusals are Graph API error objects. Time is a fake: `sleep` only records and moves `clock`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from arco_adapters.ads.errors import (
    AdGrantRevoked,
    AdPermissionDenied,
    AdPlatformUnavailable,
    AdRateLimited,
    AdRequestRefused,
)
from arco_adapters.ads.meta import GRAPH_API_VERSION, MetaAdsPlatform, campaign_status
from arco_adapters.http_retry import RetryPolicy
from arco_domain.errors import ProviderError, Unavailable, ValidationError
from arco_domain.model.campaigns import CampaignStatus
from arco_domain.model.money import Money
from arco_ports.ads import AdAccountAccess, AdPlatform, PlatformCampaign
from tests.stub_http import Reply, StubRequest, StubServer, free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta_ads"
ACCOUNT_ID = "1234567890"
OTHER_ACCOUNT_ID = "9876543210"
TOKEN = "EAAGm0PX4ZCpsBAO-arco-stub-token"
APP_SECRET = "3f1c0de5a9b24e8f-arco-stub"
ACCESS = AdAccountAccess(ACCOUNT_ID, TOKEN)
CAMPAIGNS_PATH = f"/{GRAPH_API_VERSION}/act_{ACCOUNT_ID}/campaigns"
INSIGHTS_PATH = f"/{GRAPH_API_VERSION}/act_{ACCOUNT_ID}/insights"
START, END = date(2026, 11, 23), date(2026, 11, 25)
EDGE = re.compile(rf"/{re.escape(GRAPH_API_VERSION)}/act_\d+/(?P<edge>campaigns|insights)")


def pages(edge: str, count: int) -> list[dict[str, Any]]:
    return [json.loads((FIXTURES / f"{edge}_page_{number}.json").read_text()) for number in range(1, count + 1)]


def next_cursor(page: dict[str, Any]) -> str | None:
    """The `after` cursor of a page's `next` URL, the way Graph API paging links carry it."""
    following = page["paging"].get("next")
    return parse_qs(urlsplit(following).query).get("after", [None])[0] if following else None


def graph_error(
    code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException", transient: bool = False
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "is_transient": transient}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": {**error, "fbtrace_id": "AzV1kq3m9XbQ7sT2c"}}


def business_usage(percent: int, *, regain_minutes: int = 0, kind: str = "ads_management") -> dict[str, str]:
    entry = {
        "type": kind,
        "call_count": percent,
        "total_cputime": 4,
        "total_time": 6,
        "estimated_time_to_regain_access": regain_minutes,
        "ads_api_access_tier": "standard_access",
    }
    return {"X-Business-Use-Case-Usage": json.dumps({ACCOUNT_ID: [entry]})}


def account_usage(percent: float, reset_seconds: int) -> dict[str, str]:
    usage = {"acc_id_util_pct": percent, "reset_time_duration": reset_seconds, "ads_api_access_tier": "standard_access"}
    return {"X-Ad-Account-Usage": json.dumps(usage)}


class RecordingGate:
    """An `AccountGate` that counts the slots held right now and remembers every slot asked for."""

    def __init__(self) -> None:
        self.held = 0
        self.asked: list[tuple[str, str]] = []

    @asynccontextmanager
    async def hold(self, platform: str, account_id: str) -> AsyncIterator[None]:
        self.asked.append((platform, account_id))
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1


@dataclass
class FakeTime:
    now: float = 5000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class GraphStub:
    """`GET /<version>/act_<id>/{campaigns,insights}` for any account, paged by the fixtures' cursors."""

    gate: RecordingGate
    pages: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"campaigns": pages("campaigns", 2), "insights": pages("insights", 3)}
    )
    usage: dict[str, str] = field(default_factory=dict)
    queued: deque[Reply] = field(default_factory=deque)
    held_while_answering: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, body: dict[str, Any] | str, **headers: str) -> None:
        self.queued.append(Reply.html(status, body, headers) if isinstance(body, str) else Reply(status, headers, body))

    def answer(self, request: StubRequest) -> Reply:
        with self._lock:
            self.held_while_answering.append(self.gate.held)
            if self.queued:
                return self.queued.popleft()
            route = EDGE.fullmatch(request.path)
            if route is None:
                return Reply(400, {}, graph_error(2500, "Unknown path components", kind="OAuthException"))
            served = self.pages[route["edge"]]
            following = {cursor: n + 1 for n, page in enumerate(served) if (cursor := next_cursor(page))}
            after = request.query.get("after", [None])[0]
            number = 0 if after is None else following.get(after)
            if number is None:
                return Reply(400, {}, graph_error(100, "Invalid parameter", kind="OAuthException"))
            return Reply(200, dict(self.usage), served[number])


@pytest.fixture
def gate() -> RecordingGate:
    return RecordingGate()


@pytest.fixture
def graph(gate: RecordingGate) -> GraphStub:
    return GraphStub(gate)


@pytest.fixture
def served(graph: GraphStub) -> Iterator[StubServer]:
    with StubServer(graph.answer, json_content_type="application/json; charset=UTF-8") as server:
        yield server


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def build(
    served: StubServer, gate: RecordingGate, fake_time: FakeTime
) -> AsyncIterator[Callable[..., MetaAdsPlatform]]:
    made: list[MetaAdsPlatform] = []

    def build(**options: Any) -> MetaAdsPlatform:
        defaults: dict[str, Any] = {
            "base_url": f"{served.url}/{GRAPH_API_VERSION}",
            "retry": RetryPolicy(attempts=3, first_delay=0.5, longest_delay=2),
            "read_timeout": 5,
            "deadline": 10,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
        }
        adapter = MetaAdsPlatform(gate, **{**defaults, **options})
        made.append(adapter)
        return adapter

    yield build
    for adapter in made:
        await adapter.aclose()


@pytest.fixture
def meta(build: Callable[..., MetaAdsPlatform]) -> MetaAdsPlatform:
    return build()


class TestMetaAdsPlatformConstruction:
    @pytest.mark.parametrize("threshold", [0, 100, 120, -5])
    def test_the_throttle_threshold_is_a_percentage_short_of_a_hundred(self, threshold: float) -> None:
        with pytest.raises(ValueError, match="percentage"):
            MetaAdsPlatform(RecordingGate(), throttle_at=threshold)

    def test_the_conversion_action_type_must_be_named(self) -> None:
        with pytest.raises(ValueError, match="conversion action type"):
            MetaAdsPlatform(RecordingGate(), conversion_action_type="")


class TestMetaAdsPlatformCampaigns:
    async def test_the_campaigns_of_both_pages_come_back_with_their_effective_status(
        self, meta: MetaAdsPlatform
    ) -> None:
        port: AdPlatform = meta
        campaigns = await port.list_campaigns(ACCESS)
        assert campaigns == [
            PlatformCampaign("120210987654320101", "Black Friday 2026 — Vendas", CampaignStatus.ACTIVE),
            PlatformCampaign("120210987654320102", "Remarketing — Carrinho abandonado", CampaignStatus.PAUSED),
            PlatformCampaign("120210987654320103", "Lançamento coleção verão", CampaignStatus.PAUSED),
            PlatformCampaign("120210987654320104", "Institucional 2025", CampaignStatus.ENDED),
            PlatformCampaign("120210987654320105", "Teste A/B criativos", CampaignStatus.PAUSED),
        ]

    async def test_the_second_page_is_asked_for_with_the_first_pages_after_cursor(
        self, meta: MetaAdsPlatform, served: StubServer
    ) -> None:
        await meta.list_campaigns(ACCESS)
        first, second = served.requests
        assert (first.path, second.path) == (CAMPAIGNS_PATH, CAMPAIGNS_PATH)
        assert first.query == {"fields": ["id,name,effective_status"], "limit": ["500"]}
        assert second.query == {**first.query, "after": ["QVFIUlBjcXk0N0k0d0hzY0xkMmVoV0hTbDhB"]}

    async def test_the_token_travels_in_the_authorization_header_and_never_in_the_url(
        self, meta: MetaAdsPlatform, served: StubServer
    ) -> None:
        await meta.list_campaigns(ACCESS)
        for request in served.requests:
            assert request.headers["authorization"] == f"Bearer {TOKEN}"
            assert "access_token" not in request.query
            assert "appsecret_proof" not in request.query
            assert TOKEN not in json.dumps(request.query)

    async def test_with_an_app_secret_every_request_proves_the_token_with_it(
        self, build: Callable[..., MetaAdsPlatform], served: StubServer
    ) -> None:
        await build(app_secret=APP_SECRET).list_campaigns(ACCESS)
        proof = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
        assert [request.query["appsecret_proof"] for request in served.requests] == [[proof], [proof]]

    async def test_the_page_size_is_configurable(
        self, build: Callable[..., MetaAdsPlatform], served: StubServer
    ) -> None:
        await build(page_size=3).list_campaigns(ACCESS)
        assert {request.query["limit"][0] for request in served.requests} == {"3"}

    @pytest.mark.parametrize(
        ("effective_status", "status"),
        [
            ("ACTIVE", CampaignStatus.ACTIVE),
            ("PAUSED", CampaignStatus.PAUSED),
            ("CAMPAIGN_PAUSED", CampaignStatus.PAUSED),
            ("ADSET_PAUSED", CampaignStatus.PAUSED),
            ("DELETED", CampaignStatus.ENDED),
            ("ARCHIVED", CampaignStatus.ENDED),
            ("IN_PROCESS", CampaignStatus.ENDED),
            (None, CampaignStatus.ENDED),
        ],
    )
    def test_effective_statuses_become_arco_statuses(
        self, effective_status: str | None, status: CampaignStatus
    ) -> None:
        assert campaign_status(effective_status) is status

    async def test_a_campaign_without_an_id_is_unavailable(self, meta: MetaAdsPlatform, graph: GraphStub) -> None:
        graph.fail(200, {"data": [{"name": "Sem id", "effective_status": "ACTIVE"}], "paging": {}})
        with pytest.raises(AdPlatformUnavailable, match="without an id"):
            await meta.list_campaigns(ACCESS)


class TestMetaAdsPlatformDailyMetrics:
    async def test_the_rows_of_all_three_pages_come_back_in_order(self, meta: MetaAdsPlatform) -> None:
        rows = await meta.daily_metrics(ACCESS, START, END)
        assert [(row.external_campaign_id, row.metrics.date) for row in rows] == [
            ("120210987654320101", date(2026, 11, 23)),
            ("120210987654320102", date(2026, 11, 23)),
            ("120210987654320101", date(2026, 11, 24)),
            ("120210987654320103", date(2026, 11, 24)),
            ("120210987654320101", date(2026, 11, 25)),
        ]
        assert [(row.metrics.impressions, row.metrics.clicks) for row in rows] == [
            (15234, 412),
            (8120, 97),
            (17002, 455),
            (2210, 18),
            (16550, 430),
        ]

    async def test_the_after_cursor_of_each_page_is_followed_until_a_page_has_no_next(
        self, meta: MetaAdsPlatform, served: StubServer
    ) -> None:
        await meta.daily_metrics(ACCESS, START, END)
        assert [request.path for request in served.requests] == [INSIGHTS_PATH] * 3
        assert [request.query.get("after") for request in served.requests] == [None, ["MQZDZD"], ["MwZDZD"]]

    async def test_each_page_asks_for_daily_campaign_rows_of_the_period(
        self, meta: MetaAdsPlatform, served: StubServer
    ) -> None:
        await meta.daily_metrics(ACCESS, START, END)
        for request in served.requests:
            assert request.query["level"] == ["campaign"]
            assert request.query["time_increment"] == ["1"]
            assert json.loads(request.query["time_range"][0]) == {"since": "2026-11-23", "until": "2026-11-25"}
            assert request.query["fields"] == [
                "campaign_id,impressions,clicks,spend,actions,action_values,account_currency,date_start"
            ]
            assert request.headers["authorization"] == f"Bearer {TOKEN}"

    async def test_spend_and_revenue_are_exact_decimals_in_the_accounts_currency(self, meta: MetaAdsPlatform) -> None:
        first, *others = await meta.daily_metrics(ACCESS, START, END)
        assert first.metrics.cost == Money(Decimal("1234.56"), "BRL")
        assert str(first.metrics.cost.amount) == "1234.56"
        assert first.metrics.revenue == Money(Decimal("4321.09"), "BRL")
        assert str(first.metrics.revenue.amount) == "4321.09"
        total = sum((row.metrics.cost.amount for row in [first, *others]), Decimal(0))
        assert str(total) == "4180.12"

    async def test_a_spend_sent_as_a_json_number_never_passes_through_a_float(
        self, meta: MetaAdsPlatform, graph: GraphStub
    ) -> None:
        row = {**graph.pages["insights"][2]["data"][0], "spend": "SPEND"}
        body = json.dumps({"data": [row]}).replace('"SPEND"', "1234.5600000000000001")
        graph.queued.append(Reply(200, {"Content-Type": "application/json"}, body.encode()))
        [day] = await meta.daily_metrics(ACCESS, START, END)
        assert str(day.metrics.cost.amount) == "1234.5600000000000001"

    async def test_conversions_and_revenue_count_only_the_configured_action_type(self, meta: MetaAdsPlatform) -> None:
        rows = await meta.daily_metrics(ACCESS, START, END)
        assert [row.metrics.conversions for row in rows] == [
            Decimal(7),
            Decimal(2),
            Decimal(11),
            Decimal(0),
            Decimal(8),
        ]
        assert [str(row.metrics.revenue.amount) for row in rows] == ["4321.09", "899.80", "6789.33", "0", "5002.18"]

    async def test_another_conversion_action_type_counts_that_type_instead(
        self, build: Callable[..., MetaAdsPlatform]
    ) -> None:
        rows = await build(conversion_action_type="omni_purchase").daily_metrics(ACCESS, START, END)
        assert [row.metrics.conversions for row in rows] == [
            Decimal(9),
            Decimal(2),
            Decimal(12),
            Decimal(0),
            Decimal(8),
        ]
        assert [str(row.metrics.revenue.amount) for row in rows] == ["5120.40", "899.80", "7012.33", "0", "5002.18"]

    async def test_figures_meta_leaves_out_are_zero(self, meta: MetaAdsPlatform, graph: GraphStub) -> None:
        row = {
            "campaign_id": "120210987654320101",
            "impressions": "310",
            "account_currency": "USD",
            "date_start": "2026-11-23",
        }
        graph.pages["insights"] = [{"data": [row], "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}]
        [day] = await meta.daily_metrics(ACCESS, START, END)
        assert (day.metrics.impressions, day.metrics.clicks, day.metrics.conversions) == (310, 0, Decimal(0))
        assert (day.metrics.cost, day.metrics.revenue) == (Money.zero("USD"), Money.zero("USD"))

    async def test_a_row_without_any_activity_is_left_out(self, meta: MetaAdsPlatform, graph: GraphStub) -> None:
        idle = {
            "campaign_id": "120210987654320104",
            "impressions": "0",
            "clicks": "0",
            "spend": "0.00",
            "account_currency": "BRL",
            "date_start": "2026-11-23",
        }
        graph.pages["insights"][0]["data"].append(idle)
        rows = await meta.daily_metrics(ACCESS, START, END)
        assert "120210987654320104" not in {row.external_campaign_id for row in rows}
        assert len(rows) == 5

    @pytest.mark.parametrize(
        ("key", "value", "complaint"),
        [
            ("clicks", "n/a", "clicks"),
            ("impressions", "-3", "impressions"),
            ("spend", "12,50", "spend"),
            ("spend", "-1.00", "spend"),
            ("account_currency", None, "currency"),
            ("date_start", "23/11/2026", "date"),
            ("account_currency", "real", "cannot keep"),
        ],
    )
    async def test_a_row_that_is_not_readable_is_unavailable(
        self, meta: MetaAdsPlatform, graph: GraphStub, key: str, value: str | None, complaint: str
    ) -> None:
        graph.pages["insights"][0]["data"][0][key] = value
        with pytest.raises(AdPlatformUnavailable, match=complaint):
            await meta.daily_metrics(ACCESS, START, END)

    async def test_a_period_that_ends_before_it_starts_is_refused_without_a_request(
        self, meta: MetaAdsPlatform, served: StubServer
    ) -> None:
        with pytest.raises(ValidationError, match="after its end"):
            await meta.daily_metrics(ACCESS, END, START)
        assert served.requests == []

    @pytest.mark.parametrize("account_id", ["act_1234567890", "1234/../me", ""])
    async def test_an_account_id_that_is_not_digits_is_refused_without_a_request(
        self, meta: MetaAdsPlatform, served: StubServer, account_id: str
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            await meta.daily_metrics(AdAccountAccess(account_id, TOKEN), START, END)
        assert refused.value.field == "account_id"
        assert served.requests == []

    async def test_a_next_page_without_a_cursor_is_unavailable(self, meta: MetaAdsPlatform, graph: GraphStub) -> None:
        graph.pages["insights"][0]["paging"] = {"next": "https://graph.facebook.com/v27.0/act_1234567890/insights"}
        with pytest.raises(AdPlatformUnavailable, match="without a cursor"):
            await meta.daily_metrics(ACCESS, START, END)

    async def test_the_cursor_of_the_next_url_serves_when_the_cursors_are_missing(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer
    ) -> None:
        del graph.pages["insights"][0]["paging"]["cursors"]
        rows = await meta.daily_metrics(ACCESS, START, END)
        assert len(rows) == 5
        assert served.requests[1].query["after"] == ["MQZDZD"]


class TestMetaAdsPlatformPacing:
    async def test_a_throttled_call_waits_as_long_as_meta_estimates_then_succeeds(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        message = "There have been too many calls to this ad-account. Wait a bit and try again."
        graph.fail(400, graph_error(80004, message, subcode=2446079), **business_usage(100, regain_minutes=1))
        campaigns = await meta.list_campaigns(ACCESS)
        assert len(campaigns) == 5
        assert fake_time.sleeps == [60.0]
        assert len(served.requests) == 3

    async def test_a_throttle_longer_than_the_longest_hint_ends_the_call_with_metas_estimate(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        graph.fail(
            400,
            graph_error(17, "User request limit reached", subcode=2446079),
            **business_usage(100, regain_minutes=30),
        )
        with pytest.raises(AdRateLimited) as throttled:
            await meta.daily_metrics(ACCESS, START, END)
        assert throttled.value.retry_after == 1800
        assert len(served.requests) == 1
        with pytest.raises(AdRateLimited) as still:
            await meta.list_campaigns(ACCESS)
        assert still.value.retry_after == 1800
        assert len(served.requests) == 1
        assert fake_time.sleeps == []

    @pytest.mark.parametrize("code", [4, 17, 32, 341, 613, 80000, 80004, 80014])
    async def test_every_throttling_code_is_rate_limited(
        self, build: Callable[..., MetaAdsPlatform], graph: GraphStub, code: int
    ) -> None:
        graph.fail(400, graph_error(code, "Application request limit reached"))
        with pytest.raises(AdRateLimited) as throttled:
            await build(retry=RetryPolicy(attempts=1)).list_campaigns(ACCESS)
        assert isinstance(throttled.value, Unavailable)
        assert throttled.value.retry_after is None

    async def test_usage_at_90_percent_makes_the_accounts_next_call_wait(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        graph.pages["campaigns"] = graph.pages["campaigns"][1:]
        graph.usage = business_usage(90)
        await meta.list_campaigns(ACCESS)
        assert fake_time.sleeps == []
        await meta.list_campaigns(ACCESS)
        assert fake_time.sleeps == [pytest.approx(36.0)]  # 60 s window x (90 - 75) / (100 - 75)
        assert len(served.requests) == 2

    async def test_the_wait_paces_every_page_of_a_long_read(
        self, meta: MetaAdsPlatform, graph: GraphStub, fake_time: FakeTime
    ) -> None:
        graph.usage = {"X-FB-Ads-Insights-Throttle": json.dumps({"app_id_util_pct": 80, "acc_id_util_pct": 95})}
        await meta.daily_metrics(ACCESS, START, END)
        assert fake_time.sleeps == [pytest.approx(48.0), pytest.approx(48.0)]

    async def test_usage_below_the_threshold_does_not_slow_down(
        self, meta: MetaAdsPlatform, graph: GraphStub, fake_time: FakeTime
    ) -> None:
        graph.usage = {**business_usage(74), **account_usage(60.5, 100)}
        await meta.daily_metrics(ACCESS, START, END)
        assert fake_time.sleeps == []

    async def test_the_ad_account_usage_and_its_reset_time_set_the_wait(
        self, meta: MetaAdsPlatform, graph: GraphStub, fake_time: FakeTime
    ) -> None:
        graph.usage = account_usage(95, 50)
        await meta.list_campaigns(ACCESS)
        assert fake_time.sleeps == [pytest.approx(40.0)]  # 50 s reset x (95 - 75) / (100 - 75)

    async def test_the_app_usage_slows_the_account_that_reported_it(
        self, meta: MetaAdsPlatform, graph: GraphStub, fake_time: FakeTime
    ) -> None:
        graph.usage = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 30})}
        await meta.list_campaigns(ACCESS)
        assert fake_time.sleeps == [pytest.approx(60.0)]

    async def test_a_wait_longer_than_the_longest_hint_ends_the_next_call_without_a_request(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        graph.pages["campaigns"] = graph.pages["campaigns"][1:]
        graph.usage = account_usage(100, 300)
        await meta.list_campaigns(ACCESS)
        with pytest.raises(AdRateLimited) as throttled:
            await meta.daily_metrics(ACCESS, START, END)
        assert throttled.value.retry_after == pytest.approx(300)
        assert len(served.requests) == 1
        assert fake_time.sleeps == []

    async def test_another_account_is_not_slowed(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        graph.pages["campaigns"] = graph.pages["campaigns"][1:]
        graph.usage = business_usage(99)
        await meta.list_campaigns(ACCESS)
        graph.usage = {}
        await meta.list_campaigns(AdAccountAccess(OTHER_ACCOUNT_ID, TOKEN))
        assert fake_time.sleeps == []
        assert served.requests[1].path == f"/{GRAPH_API_VERSION}/act_{OTHER_ACCOUNT_ID}/campaigns"

    async def test_a_lower_threshold_slows_down_sooner(
        self, build: Callable[..., MetaAdsPlatform], graph: GraphStub, fake_time: FakeTime
    ) -> None:
        graph.usage = business_usage(60)
        await build(throttle_at=50).list_campaigns(ACCESS)
        assert fake_time.sleeps == [pytest.approx(12.0)]  # 60 s window x (60 - 50) / (100 - 50)

    @pytest.mark.parametrize(
        "headers",
        [
            {"X-App-Usage": "not json"},
            {"X-Business-Use-Case-Usage": '{"1234567890": {"type": "ads_management"}}'},
            {"X-Ad-Account-Usage": '{"acc_id_util_pct": "95"}'},
            {"X-Business-Use-Case-Usage": '["call_count", 99]'},
        ],
    )
    async def test_usage_headers_that_cannot_be_read_are_ignored(
        self, meta: MetaAdsPlatform, graph: GraphStub, fake_time: FakeTime, headers: dict[str, str]
    ) -> None:
        graph.usage = headers
        assert len(await meta.list_campaigns(ACCESS)) == 5
        assert fake_time.sleeps == []


class TestMetaAdsPlatformRefusals:
    @pytest.mark.parametrize(
        ("code", "subcode", "reason"),
        [
            (190, 463, "expired"),
            (190, 460, "changed their password"),
            (190, 458, "removed ARCO's app"),
            (190, None, "no longer valid"),
            (102, None, "no longer valid"),
        ],
    )
    async def test_a_token_that_no_longer_works_is_a_revoked_grant_after_one_request(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, code: int, subcode: int | None, reason: str
    ) -> None:
        message = f"Malformed access token {TOKEN}: The access token could not be decrypted"
        graph.fail(400, graph_error(code, message, subcode=subcode))
        with pytest.raises(AdGrantRevoked, match=reason) as revoked:
            await meta.daily_metrics(ACCESS, START, END)
        assert isinstance(revoked.value, ProviderError)
        assert len(served.requests) == 1
        assert TOKEN not in revoked.value.detail

    @pytest.mark.parametrize("code", [3, 10, 200, 272, 294])
    async def test_a_missing_permission_is_permission_denied_after_one_request(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, code: int
    ) -> None:
        message = "(#200) Ad account owner has NOT grant ads_management or ads_read permission"
        graph.fail(403, graph_error(code, message))
        with pytest.raises(AdPermissionDenied, match="may not read") as denied:
            await meta.list_campaigns(ACCESS)
        assert isinstance(denied.value, ProviderError)
        assert len(served.requests) == 1

    async def test_an_invalid_parameter_is_a_refused_request(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer
    ) -> None:
        message = "(#100) time_range must be a valid JSON object with since and until"
        graph.fail(400, graph_error(100, message))
        with pytest.raises(AdRequestRefused, match="time_range") as refused:
            await meta.daily_metrics(ACCESS, START, END)
        assert isinstance(refused.value, ValidationError)
        assert len(served.requests) == 1

    async def test_an_account_the_grant_cannot_load_is_a_refused_account_id(
        self, meta: MetaAdsPlatform, graph: GraphStub
    ) -> None:
        message = "Unsupported get request. Object with ID 'act_1234567890' does not exist, cannot be loaded"
        graph.fail(400, graph_error(100, message, subcode=33, kind="GraphMethodException"))
        with pytest.raises(AdRequestRefused, match="no such ad account") as refused:
            await meta.list_campaigns(ACCESS)
        assert refused.value.field == "account_id"

    async def test_a_server_error_then_success_is_tried_again(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer, fake_time: FakeTime
    ) -> None:
        graph.fail(
            500, graph_error(2, "An unexpected error has occurred. Please retry your request later.", transient=True)
        )
        rows = await meta.daily_metrics(ACCESS, START, END)
        assert len(rows) == 5
        assert len(served.requests) == 4
        assert len(fake_time.sleeps) == 1

    async def test_an_unknown_error_meta_marks_transient_is_tried_again(
        self, meta: MetaAdsPlatform, graph: GraphStub, served: StubServer
    ) -> None:
        graph.fail(400, graph_error(1, "An unknown error occurred", subcode=99, transient=True))
        assert len(await meta.list_campaigns(ACCESS)) == 5
        assert len(served.requests) == 3

    async def test_a_gateway_page_on_every_attempt_is_unavailable(
        self, build: Callable[..., MetaAdsPlatform], graph: GraphStub, served: StubServer
    ) -> None:
        graph.fail(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        graph.fail(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        with pytest.raises(AdPlatformUnavailable, match="could not answer now"):
            await build(retry=RetryPolicy(attempts=2)).list_campaigns(ACCESS)
        assert len(served.requests) == 2

    async def test_a_success_that_is_not_json_is_unavailable(
        self, build: Callable[..., MetaAdsPlatform], graph: GraphStub
    ) -> None:
        graph.fail(200, "<html>maintenance</html>")
        with pytest.raises(AdPlatformUnavailable, match="not JSON"):
            await build(retry=RetryPolicy(attempts=1)).list_campaigns(ACCESS)

    async def test_an_answer_without_data_is_unavailable(
        self, build: Callable[..., MetaAdsPlatform], graph: GraphStub
    ) -> None:
        graph.fail(200, {"id": "act_1234567890"})
        with pytest.raises(AdPlatformUnavailable, match="list of results"):
            await build(retry=RetryPolicy(attempts=1)).list_campaigns(ACCESS)

    async def test_an_answer_slower_than_the_read_timeout_is_unavailable(
        self, build: Callable[..., MetaAdsPlatform], served: StubServer
    ) -> None:
        served.delay = 1.0
        with pytest.raises(AdPlatformUnavailable, match="in time"):
            await build(read_timeout=0.2, retry=RetryPolicy(attempts=1)).list_campaigns(ACCESS)

    async def test_the_deadline_bounds_the_whole_exchange(
        self, build: Callable[..., MetaAdsPlatform], served: StubServer
    ) -> None:
        served.delay = 1.0
        with pytest.raises(AdPlatformUnavailable, match="in time"):
            await build(deadline=0.2, retry=RetryPolicy(attempts=1)).list_campaigns(ACCESS)

    async def test_a_refused_connection_is_unavailable(self, build: Callable[..., MetaAdsPlatform]) -> None:
        unreachable = build(base_url=f"http://127.0.0.1:{free_port()}/{GRAPH_API_VERSION}", connect_timeout=1)
        with pytest.raises(AdPlatformUnavailable, match="cannot be reached"):
            await unreachable.list_campaigns(ACCESS)


class TestMetaAdsPlatformGate:
    async def test_every_request_holds_one_of_the_accounts_slots(
        self, meta: MetaAdsPlatform, graph: GraphStub, gate: RecordingGate
    ) -> None:
        await meta.daily_metrics(ACCESS, START, END)
        assert graph.held_while_answering == [1, 1, 1]
        assert gate.asked == [("meta_ads", ACCOUNT_ID)] * 3
        assert gate.held == 0

    async def test_the_slot_is_given_back_when_a_call_fails(
        self, meta: MetaAdsPlatform, graph: GraphStub, gate: RecordingGate
    ) -> None:
        graph.fail(400, graph_error(190, "Error validating access token", subcode=463))
        with pytest.raises(AdGrantRevoked):
            await meta.list_campaigns(ACCESS)
        assert graph.held_while_answering == [1]
        assert gate.held == 0
