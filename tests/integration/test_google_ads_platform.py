"""`GoogleAdsPlatform` through httpx and HTTP, against a local stub of Google's OAuth token endpoint and of the
Google Ads REST API's `googleAds:searchStream`.

The stub answers from `tests/fixtures/google_ads/`: token answers shaped like `oauth2.googleapis.com/token`'s
(`access_token`, `expires_in`, `scope`, `token_type`; `invalid_grant` and `invalid_client` refusals), result
streams shaped like `searchStream`'s (a JSON array of batches, each with `results`, `fieldMask` and
`requestId`; int64 fields as strings, doubles as numbers, zero metrics left out) and error statuses carrying a
`GoogleAdsFailure` in their `details`, as the API sends them. It records every request it receives.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from arco_adapters.ads.errors import (
    AdGrantRevoked,
    AdPermissionDenied,
    AdPlatformUnavailable,
    AdRateLimited,
    AdRequestRefused,
)
from arco_adapters.ads.google import (
    CAMPAIGNS_QUERY,
    GOOGLE_ADS_API_VERSION,
    TOKEN_EXPIRY_MARGIN,
    GoogleAdsPlatform,
)
from arco_adapters.ads.pacing import LocalAccountGate
from arco_adapters.http_retry import RetryPolicy
from arco_domain.errors import ProviderError, Unavailable, ValidationError
from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics
from arco_domain.model.money import Money
from arco_ports.ads import AdAccountAccess, AdPlatform, PlatformCampaign, PlatformDailyMetrics
from tests.stub_http import Reply, StubRequest, StubServer, free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "google_ads"
CLIENT_ID = "123456789012-arcostub.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-arco-stub-client-secret"
DEVELOPER_TOKEN = "Ab1Cd2Ef3Gh4Ij5Kl6Mn7O"
REFRESH_TOKEN = "1//0gArcoStubRefreshTokenOfTheClient"
ACCOUNT = AdAccountAccess("123-456-7890", REFRESH_TOKEN, login_customer_id="987-654-3210")
TOKEN_PATH = "/token"
SEARCH_PATH = re.compile(rf"/{GOOGLE_ADS_API_VERSION}/customers/([0-9]+)/googleAds:searchStream")
NOVEMBER_29, NOVEMBER_30 = date(2026, 11, 29), date(2026, 11, 30)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def google_error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


@dataclass
class GoogleStub:
    """The token endpoint and `searchStream`: fixtures, or the replies queued with `fail_token` and `fail`.

    Every token issued is new (`ya29.stub-access-1`, `-2`, ...). `hold` keeps each search answer in flight for
    that many seconds, and `most_in_flight` records how many search requests the stub ever held at once.
    """

    campaigns: list[Any] = field(default_factory=lambda: fixture("search_stream_campaigns"))
    metrics: list[Any] = field(default_factory=lambda: fixture("search_stream_daily_metrics"))
    token_requests: list[StubRequest] = field(default_factory=list)
    search_requests: list[StubRequest] = field(default_factory=list)
    token_replies: deque[Reply] = field(default_factory=deque)
    search_replies: deque[Reply] = field(default_factory=deque)
    hold: float = 0.0
    issued: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_token(self, status: int, body: object) -> None:
        self.token_replies.append(Reply(status, {}, body))

    def fail(self, status: int, body: object, **headers: str) -> None:
        self.search_replies.append(
            Reply.html(status, body, headers) if isinstance(body, str) else Reply(status, headers, body)
        )

    def answer(self, request: StubRequest) -> Reply:
        if request.path == TOKEN_PATH:
            return self._token(request)
        if SEARCH_PATH.fullmatch(request.path):
            return self._search(request)
        return Reply(404, {}, google_error(404, "NOT_FOUND", "Method not found."))

    def _token(self, request: StubRequest) -> Reply:
        with self._lock:
            self.token_requests.append(request)
            if self.token_replies:
                return self.token_replies.popleft()
            self.issued += 1
            return Reply(200, {}, {**fixture("token"), "access_token": f"ya29.stub-access-{self.issued}"})

    def _search(self, request: StubRequest) -> Reply:
        with self._lock:
            self.search_requests.append(request)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            queued = self.search_replies.popleft() if self.search_replies else None
        try:
            time.sleep(self.hold)
            if queued is not None:
                return queued
            stream = self.metrics if "segments.date" in request.json()["query"] else self.campaigns
            return Reply(200, {}, stream)
        finally:
            with self._lock:
                self.in_flight -= 1

    def bearers(self) -> list[str]:
        return [request.headers["authorization"] for request in self.search_requests]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def google() -> GoogleStub:
    return GoogleStub()


@pytest.fixture
def served(google: GoogleStub) -> Iterator[StubServer]:
    with StubServer(google.answer, json_content_type="application/json; charset=UTF-8") as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def build(served: StubServer, waits: list[float], clock: FakeClock, **overrides: Any) -> GoogleAdsPlatform:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "gate": LocalAccountGate(),
        "developer_token": DEVELOPER_TOKEN,
        "base_url": f"{served.url}/{GOOGLE_ADS_API_VERSION}",
        "token_url": served.url + TOKEN_PATH,
        "retry": RetryPolicy(attempts=3),
        "read_timeout": 5,
        "deadline": 10,
        "sleep": sleep,
        "clock": clock,
    }
    return GoogleAdsPlatform(**{**options, **overrides})


@pytest.fixture
async def platform(served: StubServer, waits: list[float], clock: FakeClock) -> AsyncIterator[GoogleAdsPlatform]:
    real = build(served, waits, clock)
    yield real
    await real.aclose()


def brl(amount: str) -> Money:
    return Money(Decimal(amount), "BRL")


class TestGoogleAdsPlatformConstruction:
    @pytest.mark.parametrize(("client_id", "client_secret"), [("", CLIENT_SECRET), (CLIENT_ID, "")])
    def test_a_platform_needs_arcos_oauth_client(self, client_id: str, client_secret: str) -> None:
        with pytest.raises(ValueError, match="client id and client secret"):
            GoogleAdsPlatform(client_id=client_id, client_secret=client_secret, gate=LocalAccountGate())


class TestListCampaigns:
    async def test_campaigns_come_from_every_batch_of_the_stream_with_their_status(
        self, platform: GoogleAdsPlatform
    ) -> None:
        port: AdPlatform = platform
        campaigns = await port.list_campaigns(ACCOUNT)
        assert campaigns == [
            PlatformCampaign("20874512345", "Marca | Pesquisa | BR", CampaignStatus.ACTIVE),
            PlatformCampaign("20874598765", "Remarketing | Display", CampaignStatus.PAUSED),
            PlatformCampaign("21903377120", "Performance Max | Loja", CampaignStatus.ACTIVE),
        ]

    async def test_the_query_goes_to_the_accounts_search_stream_with_the_access_headers(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        await platform.list_campaigns(ACCOUNT)
        [request] = google.search_requests
        assert request.method == "POST"
        assert request.path == f"/{GOOGLE_ADS_API_VERSION}/customers/1234567890/googleAds:searchStream"
        assert request.json() == {"query": CAMPAIGNS_QUERY}
        assert "campaign.status != 'REMOVED'" in CAMPAIGNS_QUERY
        assert request.headers["authorization"] == "Bearer ya29.stub-access-1"
        assert request.headers["developer-token"] == DEVELOPER_TOKEN
        assert request.headers["login-customer-id"] == "9876543210"

    async def test_an_account_reached_directly_and_a_platform_without_developer_token_send_neither_header(
        self, served: StubServer, google: GoogleStub, waits: list[float], clock: FakeClock
    ) -> None:
        bare = build(served, waits, clock, developer_token=None)
        try:
            await bare.list_campaigns(AdAccountAccess("1234567890", REFRESH_TOKEN))
        finally:
            await bare.aclose()
        [request] = google.search_requests
        assert "developer-token" not in request.headers
        assert "login-customer-id" not in request.headers

    @pytest.mark.parametrize("status", ["REMOVED", "UNKNOWN", "UNSPECIFIED"])
    async def test_any_status_other_than_enabled_or_paused_reads_as_ended(
        self, platform: GoogleAdsPlatform, google: GoogleStub, status: str
    ) -> None:
        google.campaigns[0]["results"][0]["campaign"]["status"] = status
        campaigns = await platform.list_campaigns(ACCOUNT)
        assert campaigns[0].status is CampaignStatus.ENDED

    async def test_an_empty_account_has_no_campaigns(self, platform: GoogleAdsPlatform, google: GoogleStub) -> None:
        google.campaigns = [{"fieldMask": "campaign.id,campaign.name,campaign.status", "requestId": "e1"}]
        assert await platform.list_campaigns(ACCOUNT) == []

    @pytest.mark.parametrize(
        "access",
        [AdAccountAccess("123-456-789", REFRESH_TOKEN), AdAccountAccess("1234567890", REFRESH_TOKEN, "act_98765")],
        ids=["short-customer-id", "foreign-login-customer-id"],
    )
    async def test_a_customer_id_that_is_not_ten_digits_is_refused_without_a_request(
        self, platform: GoogleAdsPlatform, google: GoogleStub, access: AdAccountAccess
    ) -> None:
        with pytest.raises(ValidationError, match="ten digits"):
            await platform.list_campaigns(access)
        assert google.token_requests == google.search_requests == []


class TestDailyMetrics:
    async def test_every_row_of_every_batch_becomes_exact_daily_metrics_in_the_accounts_currency(
        self, platform: GoogleAdsPlatform
    ) -> None:
        port: AdPlatform = platform
        days = await port.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)
        assert days == [
            PlatformDailyMetrics(
                "20874512345",
                DailyCampaignMetrics(NOVEMBER_29, 2301, 87, Decimal("6.5"), brl("1.234567"), brl("1523.47")),
            ),
            PlatformDailyMetrics(
                "20874512345",
                DailyCampaignMetrics(
                    NOVEMBER_30, 2788, 102, Decimal("2.333333333333"), brl("123456.789012"), brl("1.30")
                ),
            ),
            PlatformDailyMetrics(
                "21903377120",
                DailyCampaignMetrics(NOVEMBER_30, 640, 3, Decimal(1), brl("4.56"), brl("10.12")),
            ),
            PlatformDailyMetrics(
                "20874598765",
                DailyCampaignMetrics(NOVEMBER_30, 45, 0, Decimal(0), brl("0"), brl("0")),
            ),
        ]

    async def test_conversion_value_is_rounded_to_cents_half_even_from_its_decimal_text(
        self, platform: GoogleAdsPlatform
    ) -> None:
        days = await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)
        revenue = [day.metrics.revenue.amount for day in days]
        # 1.295 as a binary float is 1.29499..., which would round down; 10.125 rounds to the even cent.
        assert revenue[1:3] == [Decimal("1.30"), Decimal("10.12")]
        assert str(days[0].metrics.cost.amount) == "1.234567"

    async def test_the_query_selects_the_figures_per_campaign_and_day_over_the_period(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        await platform.daily_metrics(ACCOUNT, date(2026, 11, 1), NOVEMBER_30)
        [request] = google.search_requests
        query = request.json()["query"]
        assert "FROM campaign" in query
        assert "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-30'" in query
        for selected in (
            "campaign.id",
            "customer.currency_code",
            "segments.date",
            "metrics.impressions",
            "metrics.clicks",
            "metrics.conversions",
            "metrics.conversions_value",
            "metrics.cost_micros",
        ):
            assert selected in query

    async def test_a_row_with_every_figure_zero_is_not_activity(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        google.metrics[1]["results"][1]["metrics"] = {}
        days = await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)
        assert [day.external_campaign_id for day in days] == ["20874512345", "20874512345", "21903377120"]

    async def test_a_period_that_ends_before_it_starts_is_refused_without_a_request(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        with pytest.raises(ValidationError, match="after its end") as refused:
            await platform.daily_metrics(ACCOUNT, NOVEMBER_30, NOVEMBER_29)
        assert refused.value.field == "start"
        assert google.search_requests == []

    @pytest.mark.parametrize(
        ("figure", "value"),
        [("costMicros", "12.5"), ("impressions", 1.5), ("conversions", "NaN"), ("clicks", "-3")],
    )
    async def test_a_figure_that_cannot_be_read_makes_the_answer_unusable(
        self, platform: GoogleAdsPlatform, google: GoogleStub, figure: str, value: object
    ) -> None:
        google.metrics[0]["results"][0]["metrics"][figure] = value
        with pytest.raises(AdPlatformUnavailable, match=r"20874512345|not an integer|not a number"):
            await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)

    async def test_a_row_without_currency_makes_the_answer_unusable(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        del google.metrics[0]["results"][0]["customer"]
        with pytest.raises(AdPlatformUnavailable, match="currency"):
            await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)


class TestAccessTokens:
    async def test_the_refresh_token_is_exchanged_with_arcos_oauth_client(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        await platform.list_campaigns(ACCOUNT)
        [request] = google.token_requests
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert request.form() == {
            "grant_type": ["refresh_token"],
            "client_id": [CLIENT_ID],
            "client_secret": [CLIENT_SECRET],
            "refresh_token": [REFRESH_TOKEN],
        }

    async def test_the_access_token_is_cached_across_calls_until_shortly_before_it_expires(
        self, platform: GoogleAdsPlatform, google: GoogleStub, clock: FakeClock
    ) -> None:
        await platform.list_campaigns(ACCOUNT)
        clock.now += 3599 - TOKEN_EXPIRY_MARGIN - 1
        await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)
        clock.now += 2
        await platform.list_campaigns(ACCOUNT)
        assert len(google.token_requests) == 2
        assert google.bearers() == [
            "Bearer ya29.stub-access-1",
            "Bearer ya29.stub-access-1",
            "Bearer ya29.stub-access-2",
        ]

    async def test_each_grant_has_its_own_access_token(self, platform: GoogleAdsPlatform, google: GoogleStub) -> None:
        await platform.list_campaigns(ACCOUNT)
        await platform.list_campaigns(AdAccountAccess("5556667777", "1//0gAnotherClientsRefreshToken"))
        await platform.list_campaigns(ACCOUNT)
        assert [request.form()["refresh_token"] for request in google.token_requests] == [
            [REFRESH_TOKEN],
            ["1//0gAnotherClientsRefreshToken"],
        ]
        assert google.bearers()[2] == "Bearer ya29.stub-access-1"

    async def test_an_access_token_the_api_refuses_is_refreshed_once_and_the_call_succeeds(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        await platform.list_campaigns(ACCOUNT)
        google.fail(401, fixture("error_unauthenticated"))
        campaigns = await platform.list_campaigns(ACCOUNT)
        assert len(campaigns) == 3
        assert google.bearers() == [
            "Bearer ya29.stub-access-1",
            "Bearer ya29.stub-access-1",
            "Bearer ya29.stub-access-2",
        ]
        await platform.list_campaigns(ACCOUNT)
        assert google.bearers()[-1] == "Bearer ya29.stub-access-2"

    async def test_a_fresh_access_token_the_api_still_refuses_means_the_grant_is_revoked(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(401, fixture("error_unauthenticated"))
        google.fail(401, fixture("error_unauthenticated"))
        with pytest.raises(AdGrantRevoked, match="reconnect the account") as refused:
            await platform.list_campaigns(ACCOUNT)
        assert isinstance(refused.value, ProviderError)
        assert (len(google.token_requests), len(google.search_requests), waits) == (2, 2, [])
        assert "Rb3xK7wQn1ZpV5mLc9tYdF" in refused.value.detail

    async def test_a_refresh_token_google_calls_an_invalid_grant_means_the_grant_is_revoked(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail_token(400, fixture("token_invalid_grant"))
        with pytest.raises(AdGrantRevoked, match="expired or revoked"):
            await platform.list_campaigns(ACCOUNT)
        assert (len(google.token_requests), google.search_requests, waits) == (1, [], [])

    async def test_an_oauth_client_google_does_not_know_is_for_operators_not_the_client(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        google.fail_token(401, fixture("token_invalid_client"))
        with pytest.raises(AdPermissionDenied, match="ARCO's OAuth client") as refused:
            await platform.list_campaigns(ACCOUNT)
        assert not isinstance(refused.value, AdGrantRevoked)
        assert CLIENT_SECRET not in refused.value.detail

    async def test_a_token_endpoint_that_fails_for_a_moment_is_tried_again(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail_token(503, google_error(503, "UNAVAILABLE", "The service is currently unavailable."))
        assert len(await platform.list_campaigns(ACCOUNT)) == 3
        assert (len(google.token_requests), len(waits)) == (2, 1)


class TestRateLimits:
    async def test_a_short_throttle_is_waited_out_as_google_advises_and_the_call_succeeds(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(429, fixture("error_resource_temporarily_exhausted"))
        assert len(await platform.list_campaigns(ACCOUNT)) == 3
        assert waits == [30.0]
        assert len(google.search_requests) == 2

    async def test_a_throttle_longer_than_the_policy_waits_for_leaves_with_googles_advice(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        body = fixture("error_resource_temporarily_exhausted")
        body["error"]["details"][0]["errors"][0]["details"]["quotaErrorDetails"]["retryDelay"] = "600s"
        google.fail(429, body)
        with pytest.raises(AdRateLimited) as refused:
            await platform.list_campaigns(ACCOUNT)
        assert (refused.value.retry_after, refused.value.daily_cap) == (600.0, False)
        assert (len(google.search_requests), waits) == (1, [])

    @pytest.mark.parametrize("code", ["RESOURCE_EXHAUSTED", "EXCESSIVE_LONG_TERM_QUERY_RESOURCE_CONSUMPTION"])
    async def test_the_spent_daily_operations_cap_leaves_at_once_marked_as_daily(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float], code: str
    ) -> None:
        body = fixture("error_resource_exhausted")
        body["error"]["details"][0]["errors"][0]["errorCode"]["quotaError"] = code
        google.fail(429, body)
        with pytest.raises(AdRateLimited) as refused:
            await platform.list_campaigns(ACCOUNT)
        assert isinstance(refused.value, Unavailable)
        assert (refused.value.daily_cap, refused.value.retry_after) == (True, None)
        assert refused.value.facts() == {"daily_cap": True}
        assert "daily operations cap" in refused.value.detail
        assert (len(google.search_requests), waits) == (1, [])

    async def test_a_throttle_without_googles_details_is_retried_with_backoff(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(429, google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'."))
        assert len(await platform.list_campaigns(ACCOUNT)) == 3
        assert len(waits) == 1


class TestRefusals:
    async def test_a_server_error_is_tried_again_and_the_call_succeeds(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(503, google_error(503, "UNAVAILABLE", "The service is currently unavailable."))
        assert len(await platform.list_campaigns(ACCOUNT)) == 3
        assert (len(google.search_requests), len(waits)) == (2, 1)

    async def test_server_errors_on_every_attempt_leave_as_unavailable(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(500, fixture("error_internal"))
        google.fail(502, "<html><body>502 Bad Gateway</body></html>")
        google.fail(500, [fixture("error_internal")])
        with pytest.raises(AdPlatformUnavailable, match="Lw8nB2qTx6VrK0pZc4mYhS"):
            await platform.list_campaigns(ACCOUNT)
        assert (len(google.search_requests), len(waits)) == (3, 2)

    async def test_an_error_appended_to_a_stream_after_it_began_is_not_taken_for_the_result(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        broken = [*copy.deepcopy(google.campaigns[:1]), fixture("error_internal")]
        google.fail(200, broken)
        assert len(await platform.list_campaigns(ACCOUNT)) == 3
        assert (len(google.search_requests), len(waits)) == (2, 1)

    async def test_a_user_without_access_to_the_account_is_denied_without_retrying(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float]
    ) -> None:
        google.fail(403, fixture("error_user_permission_denied"))
        with pytest.raises(AdPermissionDenied, match="login-customer-id") as refused:
            await platform.list_campaigns(ACCOUNT)
        assert isinstance(refused.value, ProviderError)
        assert (len(google.search_requests), waits) == (1, [])

    @pytest.mark.parametrize(
        ("reason", "message"),
        [
            ("CUSTOMER_NOT_ENABLED", "The customer account can't be accessed because it is not yet enabled."),
            ("CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION", "The Google Cloud project may only access test accounts."),
        ],
    )
    async def test_an_account_or_access_level_google_will_not_serve_is_denied(
        self, platform: GoogleAdsPlatform, google: GoogleStub, reason: str, message: str
    ) -> None:
        body = fixture("error_user_permission_denied")
        body["error"]["details"][0]["errors"][0] = {"errorCode": {"authorizationError": reason}, "message": message}
        google.fail(403, body)
        with pytest.raises(AdPermissionDenied, match=message):
            await platform.list_campaigns(ACCOUNT)
        assert len(google.search_requests) == 1

    @pytest.mark.parametrize("wrapped", [False, True], ids=["object", "stream-array"])
    async def test_a_query_google_calls_invalid_is_refused_without_retrying(
        self, platform: GoogleAdsPlatform, google: GoogleStub, waits: list[float], wrapped: bool
    ) -> None:
        body = fixture("error_query_error")
        google.fail(400, [body] if wrapped else body)
        with pytest.raises(AdRequestRefused, match="Invalid value in BETWEEN operator") as refused:
            await platform.daily_metrics(ACCOUNT, NOVEMBER_29, NOVEMBER_30)
        assert isinstance(refused.value, ValidationError)
        assert not isinstance(refused.value, Unavailable)
        assert (len(google.search_requests), waits) == (1, [])

    async def test_an_answer_that_is_not_a_stream_is_unavailable(
        self, platform: GoogleAdsPlatform, google: GoogleStub
    ) -> None:
        for _ in range(3):
            google.fail(200, {"results": []})
        with pytest.raises(AdPlatformUnavailable, match="not a result stream"):
            await platform.list_campaigns(ACCOUNT)

    @pytest.mark.parametrize("bound", ["read_timeout", "deadline"])
    async def test_an_answer_slower_than_a_timeout_is_unavailable(
        self, served: StubServer, waits: list[float], clock: FakeClock, bound: str
    ) -> None:
        served.delay = 1.0
        slow = build(served, waits, clock, retry=RetryPolicy(attempts=1), **{bound: 0.2})
        try:
            started = time.monotonic()
            with pytest.raises(AdPlatformUnavailable, match="in time"):
                await slow.list_campaigns(ACCOUNT)
            assert time.monotonic() - started < 0.9
        finally:
            await slow.aclose()

    async def test_a_refused_connection_is_unavailable_after_every_attempt(
        self, waits: list[float], clock: FakeClock
    ) -> None:
        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        unreachable = GoogleAdsPlatform(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            gate=LocalAccountGate(),
            token_url=f"http://127.0.0.1:{free_port()}{TOKEN_PATH}",
            retry=RetryPolicy(attempts=2),
            connect_timeout=1,
            sleep=sleep,
        )
        try:
            with pytest.raises(AdPlatformUnavailable, match="cannot be reached"):
                await unreachable.list_campaigns(ACCOUNT)
            assert len(waits) == 1
        finally:
            await unreachable.aclose()


class TestAccountGate:
    async def test_calls_for_one_account_never_overlap_when_it_has_one_slot(
        self, served: StubServer, google: GoogleStub, waits: list[float], clock: FakeClock
    ) -> None:
        google.hold = 0.15
        gated = build(served, waits, clock, gate=LocalAccountGate(slots_per_account=1))
        try:
            await asyncio.gather(*(gated.list_campaigns(ACCOUNT) for _ in range(3)))
        finally:
            await gated.aclose()
        assert (len(google.search_requests), google.most_in_flight) == (3, 1)

    async def test_calls_for_different_accounts_do_not_wait_for_each_other(
        self, served: StubServer, google: GoogleStub, waits: list[float], clock: FakeClock
    ) -> None:
        google.hold = 0.15
        gated = build(served, waits, clock, gate=LocalAccountGate(slots_per_account=1))
        other = AdAccountAccess("5556667777", REFRESH_TOKEN)
        try:
            await asyncio.gather(gated.list_campaigns(ACCOUNT), gated.list_campaigns(other))
        finally:
            await gated.aclose()
        assert google.most_in_flight == 2
