"""`MetaAdsPlatform`: the `AdPlatform` port on Meta's Marketing API, Graph API `GRAPH_API_VERSION`.

Two reads on an ad account's node, `act_<account id>`:

- `campaigns?fields=id,name,effective_status`: every campaign, its status taken from `effective_status` (what
  actually runs, the campaign's own switch combined with its account's and ad sets'): `ACTIVE` is active;
  `PAUSED`, `CAMPAIGN_PAUSED` and `ADSET_PAUSED` are paused; anything else (`DELETED`, `ARCHIVED`, ...) ended.
- `insights?level=campaign&time_increment=1&time_range=...`: one row per campaign and day with delivery.
  Meta sends every figure as a string: `impressions` and `clicks` become ints, `spend` an exact `Decimal` in
  the row's `account_currency` (amounts decode from the answer's text straight into `Decimal`, so no amount
  ever passes through a float). `conversions` add up the `actions[].value` of the one configured action type and
  `revenue` the `action_values[].value` of the same type; a figure Meta leaves out is zero.

Conversions count a single action type because Meta reports one purchase under several overlapping types
at once (`offsite_conversion.fb_pixel_purchase` from the Meta Pixel, `onsite_web_purchase`, and the
cross-channel `purchase` / `omni_purchase` that also count app and offline purchases): adding them up would
count it twice or more. The default is the Pixel's `Purchase` standard event, which is what a client's
website reports; a client who also sells through an app or in store is better served by `omni_purchase`.

Both edges page with cursors: while an answer's `paging` has a `next`, the same request is sent again with
`after=<paging.cursors.after>` (or the `after` of the `next` URL). The request is rebuilt on the configured
base URL rather than following `next` itself, so the access token only ever travels to that host.

The access token (`AdAccountAccess.secret`) travels in an `Authorization: Bearer` header, never in the URL,
so it cannot land in an access log; with an app secret configured every request also carries its
`appsecret_proof`, the HMAC-SHA256 of the token keyed with the app secret, which apps that require it
insist on.

Pacing. Every answer's usage headers are read: `X-Business-Use-Case-Usage` (per business object, the
percentages `call_count`, `total_cputime`, `total_time` and `estimated_time_to_regain_access` in minutes),
`X-Ad-Account-Usage` (`acc_id_util_pct`, `reset_time_duration` in seconds), `X-App-Usage` (`call_count`,
`total_cputime`, `total_time`) and, on insights, `X-FB-Ads-Insights-Throttle` (`app_id_util_pct`,
`acc_id_util_pct`). Meta throttles at 100 %; this adapter slows down before that, per ad account:

- when an answer says the account is blocked (`estimated_time_to_regain_access` above zero), its next call
  waits that long;
- otherwise, once the highest of those percentages reaches `throttle_at`, the next call waits a share of the
  reset window (`reset_time_duration`, or `UNKNOWN_RESET` when no answer says) that grows in proportion
  from nothing at `throttle_at` to the whole window at 100 %.

A wait longer than the retry policy's `longest_hint` is not slept through: the call ends with
`AdRateLimited` and its `retry_after`, so the worker's job comes back then instead of holding a slot.

Failures leave as the errors of `arco_adapters.ads.errors`, decided by Meta's error code
(`{"error": {"code", "error_subcode", "is_transient", "message", ...}}`) before the HTTP status:
throttling codes (4, 17, 32, 341, 613, 80000-80014) are `AdRateLimited`; 190 and 102 (a token expired,
revoked, or its user changed password) `AdGrantRevoked`; 3, 10 and 200-299 (a permission missing)
`AdPermissionDenied`; 1 and 2 (unknown, service), anything Meta marks `is_transient`, a 5xx, a timeout or an
answer that is not JSON `AdPlatformUnavailable`; 100 (invalid parameter) and other refusals
`AdRequestRefused`. Transient ones are tried again through `call_with_retries`; messages never carry the token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec

from arco_adapters.ads.errors import (
    AdGrantRevoked,
    AdPermissionDenied,
    AdPlatformUnavailable,
    AdRateLimited,
    AdRequestRefused,
)
from arco_adapters.ads.pacing import AccountGate
from arco_adapters.http_retry import RetryPolicy, call_with_retries, retry_after
from arco_domain.errors import ArcoError, ValidationError
from arco_domain.model.campaigns import CampaignStatus, DailyCampaignMetrics
from arco_domain.model.money import Money
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.ads import AdAccountAccess, PlatformCampaign, PlatformDailyMetrics

GRAPH_API_VERSION = "v27.0"
"""Graph API and Marketing API v27.0, released 4 November 2026: the newest version. Meta keeps a version
for about two years, then silently serves the next one, so moving on is a deliberate change of this line."""

GRAPH_API = f"https://graph.facebook.com/{GRAPH_API_VERSION}"

DEFAULT_CONVERSION_ACTION = "offsite_conversion.fb_pixel_purchase"

CAMPAIGN_FIELDS = "id,name,effective_status"
INSIGHTS_FIELDS = "campaign_id,impressions,clicks,spend,actions,action_values,account_currency,date_start"

PAUSED_STATUSES = frozenset({"PAUSED", "CAMPAIGN_PAUSED", "ADSET_PAUSED"})

THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
"""App, user, page, application and ad-account limits, and the business-use-case limits (80000 ads
insights, 80004 ads management, ... 80014)."""

GRANT_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
TRANSIENT_CODES = frozenset({1, 2})
INVALID_PARAMETER = 100
UNKNOWN_OBJECT = 33
"""Subcode of 100 for an object id that does not exist or that the token may not load."""

GRANT_REASONS = {
    458: "the user removed ARCO's app",
    459: "the user must pass a Facebook security checkpoint",
    460: "the user changed their password",
    463: "the access token expired",
    464: "the user's account is unconfirmed",
    467: "the access token is invalid",
}

UNKNOWN_RESET = 60.0
"""Seconds assumed for a usage window to recover when no answer says (ARCO's estimate, not Meta's)."""

SERVICE = "Meta's Marketing API"

_Shape = TypeVar("_Shape")
_Text = Annotated[str, msgspec.Meta(pattern=r"\S")]
_Count = Annotated[int, msgspec.Meta(ge=0)] | Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$")] | None
"""Meta writes counts as strings of digits."""
_Percent = Annotated[int, msgspec.Meta(ge=0)] | Annotated[float, msgspec.Meta(ge=0)] | None


class _Answer(msgspec.Struct, forbid_unknown_fields=False):
    """The parts of Meta's answers ARCO reads; Meta adds fields, so unknown ones are ignored."""


class _GraphError(_Answer):
    code: int | None = None
    error_subcode: int | None = None
    message: str | None = None
    is_transient: bool | None = None


class _Cursors(_Answer):
    after: str | None = None


class _Paging(_Answer):
    next: str | None = None
    cursors: _Cursors | None = None


class _Page(_Answer):
    data: list[msgspec.Raw] | None = None
    paging: _Paging | None = None
    error: _GraphError | None = None


class _Campaign(_Answer):
    id: _Text
    name: str
    effective_status: str | None = None


class _Action(_Answer):
    action_type: str | None = None
    value: Decimal | None = None


class _InsightsRow(_Answer):
    """Amounts are `Decimal` whether Meta wrote them as strings or as numbers."""

    campaign_id: _Text
    account_currency: Annotated[str, msgspec.Meta(min_length=1)]
    date_start: date
    impressions: _Count = None
    clicks: _Count = None
    spend: Decimal | None = None
    actions: list[_Action] | None = None
    action_values: list[_Action] | None = None


class _BusinessUseCase(_Answer):
    call_count: _Percent = None
    total_cputime: _Percent = None
    total_time: _Percent = None
    estimated_time_to_regain_access: _Percent = None
    """Minutes."""


class _AccountUsage(_Answer):
    acc_id_util_pct: _Percent = None
    reset_time_duration: _Percent = None
    """Seconds."""


class _AppUsage(_Answer):
    call_count: _Percent = None
    total_cputime: _Percent = None
    total_time: _Percent = None


class _InsightsThrottle(_Answer):
    app_id_util_pct: _Percent = None
    acc_id_util_pct: _Percent = None


@dataclass(frozen=True, slots=True)
class Usage:
    """What one answer's usage headers report: the highest share of any allowance used (percent), the
    seconds until the ad account's allowance resets when said, and the seconds Meta blocks the account for."""

    percent: float = 0.0
    reset_after: float | None = None
    blocked_for: float = 0.0


def read_usage(headers: httpx.Headers) -> Usage:
    """The usage an answer's headers report; a header that is absent or unreadable reports nothing."""
    business = _header(headers, "x-business-use-case-usage", dict[str, list[_BusinessUseCase]], {})
    account = _header(headers, "x-ad-account-usage", _AccountUsage, _AccountUsage())
    app = _header(headers, "x-app-usage", _AppUsage, _AppUsage())
    insights = _header(headers, "x-fb-ads-insights-throttle", _InsightsThrottle, _InsightsThrottle())
    uses = [use for entries in business.values() for use in entries]
    percents = [
        *(figure for use in uses for figure in (use.call_count, use.total_cputime, use.total_time)),
        account.acc_id_util_pct,
        app.call_count,
        app.total_cputime,
        app.total_time,
        insights.app_id_util_pct,
        insights.acc_id_util_pct,
    ]
    blocked = [use.estimated_time_to_regain_access * 60 for use in uses if use.estimated_time_to_regain_access]
    return Usage(
        max((float(figure) for figure in percents if figure is not None), default=0.0),
        float(account.reset_time_duration) if account.reset_time_duration else None,
        max(blocked, default=0.0),
    )


def pause_after(usage: Usage, throttle_at: float) -> float:
    """Seconds to leave before the account's next call, by the rule in the module's docstring."""
    if usage.blocked_for > 0:
        return usage.blocked_for
    if usage.percent < throttle_at:
        return 0.0
    share = min((usage.percent - throttle_at) / (100 - throttle_at), 1.0)
    return share * (usage.reset_after or UNKNOWN_RESET)


def campaign_status(effective_status: object) -> CampaignStatus:
    if effective_status == "ACTIVE":
        return CampaignStatus.ACTIVE
    if effective_status in PAUSED_STATUSES:
        return CampaignStatus.PAUSED
    return CampaignStatus.ENDED


class MetaAdsPlatform:
    """Reads Meta ad accounts through the Marketing API with one `httpx.AsyncClient` (closed by `aclose`).

    Every request holds one of the account's slots in `gate`, so callers sharing the account do not spend
    its limits at once, and is bounded by `connect_timeout`, `read_timeout` and a `deadline` for the whole
    exchange. Transient failures are tried again as `retry` allows, each page on its own, so a failure on
    the third page does not fetch the first two again. The usage Meta reports paces each account (see the
    module's docstring) for the life of this instance; `throttle_at` is the percentage it starts at.
    `sleep` and `clock` (monotonic seconds) are the adapter's sense of time, replaceable in tests.
    """

    def __init__(
        self,
        gate: AccountGate,
        *,
        conversion_action_type: str = DEFAULT_CONVERSION_ACTION,
        app_secret: str | None = None,
        base_url: str = GRAPH_API,
        page_size: int = 500,
        retry: RetryPolicy | None = None,
        throttle_at: float = 75.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        deadline: float = 90.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not conversion_action_type:
            raise ValueError("the conversion action type must not be empty")
        if not 0 < throttle_at < 100:
            raise ValueError("throttle_at is a percentage between 0 and 100, both excluded")
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self._gate = gate
        self._conversion_action = conversion_action_type
        self._app_secret = app_secret.encode() if app_secret else None
        self._base_url = base_url.rstrip("/")
        self._page_size = page_size
        self._retry = retry or RetryPolicy()
        self._throttle_at = throttle_at
        self._deadline = deadline
        self._sleep = sleep
        self._clock = clock
        self._quiet_until: dict[str, float] = {}
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout), transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def list_campaigns(self, account: AdAccountAccess) -> Sequence[PlatformCampaign]:
        params = {"fields": CAMPAIGN_FIELDS, "limit": str(self._page_size)}
        what = "a campaign without an id, a name or a status ARCO can read"
        return [_campaign(row) for row in await self._collect(account, "campaigns", params, _Campaign, what)]

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        if start > end:
            raise ValidationError(f"the period starts on {start}, after its end on {end}", field="start")
        params = {
            "level": "campaign",
            "time_increment": "1",
            "time_range": json.dumps({"since": start.isoformat(), "until": end.isoformat()}),
            "fields": INSIGHTS_FIELDS,
            "limit": str(self._page_size),
        }
        read = await self._collect(account, "insights", params, _InsightsRow, "an insights row ARCO cannot read")
        rows = [_daily_metrics(row, self._conversion_action) for row in read]
        return [row for row in rows if _active(row.metrics)]

    async def _collect(
        self, account: AdAccountAccess, edge: str, params: Mapping[str, str], shape: type[_Shape], what: str
    ) -> list[_Shape]:
        """Every row of `edge`, page after page, each read as `shape`; `what` names a row that does not fit."""
        if not account.account_id.isdigit():
            raise ValidationError("a Meta ad account id is digits only, without `act_`", field="account_id")
        rows: list[_Shape] = []
        cursor: str | None = None
        while True:
            page = await self._page(account, edge, params if cursor is None else {**params, "after": cursor})
            rows += [_row(raw, shape, what) for raw in page.data or ()]
            following = _next_cursor(page)
            if following is None:
                return rows
            if following == cursor:
                raise AdPlatformUnavailable(f"{SERVICE} sent the same page cursor twice")
            cursor = following

    async def _page(self, account: AdAccountAccess, edge: str, params: Mapping[str, str]) -> _Page:
        async def attempt() -> _Page:
            async with self._gate.hold(CampaignPlatform.META_ADS, account.account_id):
                await self._pace(account.account_id)
                response = await self._send(account, edge, params)
            self._observe(account.account_id, read_usage(response.headers))
            return _answer(response, account.secret)

        return await call_with_retries(attempt, self._retry, service=SERVICE, sleep=self._sleep)

    async def _pace(self, account_id: str) -> None:
        wait = self._quiet_until.get(account_id, 0.0) - self._clock()
        if wait <= 0:
            return
        if wait > self._retry.longest_hint:
            raise AdRateLimited(
                f"{SERVICE} is near its limit for this ad account; try again in {math.ceil(wait)} s", retry_after=wait
            )
        await self._sleep(wait)

    def _observe(self, account_id: str, usage: Usage) -> None:
        pause = pause_after(usage, self._throttle_at)
        if pause > 0:
            resume = self._clock() + pause
            self._quiet_until[account_id] = max(resume, self._quiet_until.get(account_id, resume))

    async def _send(self, account: AdAccountAccess, edge: str, params: Mapping[str, str]) -> httpx.Response:
        query = dict(params)
        if self._app_secret is not None:
            query["appsecret_proof"] = hmac.new(self._app_secret, account.secret.encode(), hashlib.sha256).hexdigest()
        url = f"{self._base_url}/act_{account.account_id}/{edge}"
        headers = {"Authorization": f"Bearer {account.secret}"}
        try:
            async with asyncio.timeout(self._deadline):
                return await self._http.get(url, params=query, headers=headers)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise AdPlatformUnavailable(f"{SERVICE} did not answer in time; try again later") from error
        except httpx.TransportError as error:
            reason = type(error).__name__
            raise AdPlatformUnavailable(f"{SERVICE} cannot be reached ({reason}); try again later") from error


def _campaign(row: _Campaign) -> PlatformCampaign:
    return PlatformCampaign(external_id=row.id, name=row.name, status=campaign_status(row.effective_status))


def _daily_metrics(row: _InsightsRow, conversion_action: str) -> PlatformDailyMetrics:
    currency = row.account_currency
    try:
        metrics = DailyCampaignMetrics(
            date=row.date_start,
            impressions=int(row.impressions or 0),
            clicks=int(row.clicks or 0),
            conversions=_action_total(row.actions, conversion_action, "actions"),
            cost=Money(_amount(row.spend, "spend"), currency),
            revenue=Money(_action_total(row.action_values, conversion_action, "action_values"), currency),
        )
    except ValidationError as error:
        raise AdPlatformUnavailable(f"{SERVICE} answered with figures ARCO cannot keep: {error.detail}") from error
    return PlatformDailyMetrics(external_campaign_id=row.campaign_id, metrics=metrics)


def _refusal(status: int, error: _GraphError, headers: httpx.Headers, secret: str) -> ArcoError:
    """The domain error for a Graph API error object (empty when the answer carried none) and its status.
    Meta's messages may quote the access token they refuse; `secret` is cut out of them."""
    code = error.code
    subcode = error.error_subcode
    message = error.message or f"HTTP {status}"
    if secret:
        message = message.replace(secret, "[grant]")
    said = f"{message} (code {code}, subcode {subcode})" if subcode is not None else f"{message} (code {code})"
    if code in THROTTLE_CODES or status == 429:
        wait = read_usage(headers).blocked_for or retry_after(headers)
        return AdRateLimited(f"{SERVICE} throttled ARCO on this ad account: {said}", retry_after=wait or None)
    if code in GRANT_CODES:
        reason = GRANT_REASONS.get(subcode or 0, "the access token is no longer valid")
        return AdGrantRevoked(f"The Meta access grant no longer works ({reason}); reconnect the ad account: {said}")
    if code in PERMISSION_CODES:
        return AdPermissionDenied(f"The Meta access grant may not read this ad account: {said}")
    if code in TRANSIENT_CODES or error.is_transient is True or status >= 500:
        return AdPlatformUnavailable(f"{SERVICE} could not answer now: {said}; try again later")
    if code == INVALID_PARAMETER and subcode == UNKNOWN_OBJECT:
        return AdRequestRefused(f"{SERVICE} knows no such ad account for this grant: {said}", field="account_id")
    if code != INVALID_PARAMETER and status in (401, 403):
        return AdPermissionDenied(f"The Meta access grant may not read this ad account: {said}")
    return AdRequestRefused(f"{SERVICE} refused the request: {said}")


def _answer(response: httpx.Response, secret: str) -> _Page:
    try:
        page: _Page | None = msgspec.json.decode(response.content, type=_Page)
    except msgspec.ValidationError:  # JSON, but no page of Graph API results
        page = _Page()
    except msgspec.DecodeError:
        page = None
    if not response.is_success or (page is not None and page.error is not None):
        raise _refusal(response.status_code, (page and page.error) or _GraphError(), response.headers, secret)
    if page is None:
        raise AdPlatformUnavailable(f"{SERVICE} answered with something that is not JSON")
    if page.data is None:
        raise AdPlatformUnavailable(f"{SERVICE} answered without a list of results")
    return page


def _row(raw: msgspec.Raw, shape: type[_Shape], what: str) -> _Shape:
    try:
        return msgspec.json.decode(raw, type=shape)
    except msgspec.DecodeError as error:
        raise AdPlatformUnavailable(f"{SERVICE} answered with {what} ({error})") from error


def _next_cursor(page: _Page) -> str | None:
    paging = page.paging or _Paging()
    if not paging.next:
        return None
    after = paging.cursors.after if paging.cursors else None
    cursor = after or parse_qs(urlsplit(paging.next).query).get("after", [""])[0]
    if not cursor.strip():
        raise AdPlatformUnavailable(f"{SERVICE} announced another page without a cursor to it")
    return cursor


def _active(metrics: DailyCampaignMetrics) -> bool:
    figures = (metrics.impressions, metrics.clicks, metrics.conversions, metrics.cost.amount, metrics.revenue.amount)
    return any(figures)


def _amount(value: Decimal | None, field: str) -> Decimal:
    if value is None:
        return Decimal(0)
    if not value.is_finite() or value < 0:
        raise AdPlatformUnavailable(f"{SERVICE} answered with {value} for {field}")
    return value


def _action_total(actions: Sequence[_Action] | None, action_type: str, field: str) -> Decimal:
    chosen = (action.value for action in actions or () if action.action_type == action_type)
    return sum((_amount(value, field) for value in chosen), Decimal(0))


def _header(headers: httpx.Headers, name: str, shape: type[_Shape], nothing: _Shape) -> _Shape:
    try:
        return msgspec.json.decode(headers.get(name, ""), type=shape)
    except msgspec.DecodeError:
        return nothing
