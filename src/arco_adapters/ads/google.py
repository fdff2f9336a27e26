"""`GoogleAdsPlatform`: the `AdPlatform` port on the Google Ads API's REST interface.

Both reads are one GAQL query sent to `customers/{id}/googleAds:searchStream`, which answers with the whole
result at once as a JSON array of batches (`{"results": [...], "fieldMask", "requestId"}`); every batch is
read. A stream counts as one operation against the daily cap however many rows it carries, which is why
it is preferred over the paged `googleAds:search`.

Access is the client's OAuth2 grant: `AdAccountAccess.secret` is a refresh token, exchanged at Google's
token endpoint for an access token that is cached per refresh token until shortly before it expires. An
API call refused as UNAUTHENTICATED gets one fresh access token and one more try; a second refusal, or a
refresh token the endpoint calls `invalid_grant`, means the grant no longer works (`AdGrantRevoked`).

Figures are kept exactly: int64 fields arrive as JSON strings and are read as integers, doubles are read
from the answer's own decimal text (never through a binary float), cost comes from micros without division,
and conversion value is money rounded to cents with ROUND_HALF_EVEN, the domain's rounding for money.

Failures leave as the shared ad-platform errors (`arco_adapters.ads.errors`), classified by Google's
`GoogleAdsFailure` error codes before the HTTP status:

- `quotaError.RESOURCE_TEMPORARILY_EXHAUSTED` (and the short-term query-cost variant): `AdRateLimited` with
  Google's `retryDelay`, retried here when the delay is short;
- `quotaError.RESOURCE_EXHAUSTED`: the daily operations cap of the Cloud project's access level (2,880
  operations a day on production accounts for Explorer access, 15,000 for Basic), counted over a sliding
  24 hours, so there is no reset time to compute: `AdRateLimited(daily_cap=True)` with Google's delay when
  it gave one, never retried within the call;
- UNAUTHENTICATED after the refresh: `AdGrantRevoked`; PERMISSION_DENIED or any `authorizationError`
  (`USER_PERMISSION_DENIED`, `CUSTOMER_NOT_ENABLED`, an access level not approved for production):
  `AdPermissionDenied`;
- INVALID_ARGUMENT, NOT_FOUND and other refusals of the request (`queryError`, `requestError`):
  `AdRequestRefused`;
- 5xx, INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, timeouts, refused connections and answers that are not
  Google's JSON: `AdPlatformUnavailable`, retried.

Every request to the API holds one of the account's slots in the `AccountGate`, so concurrent syncs do not
spend the account's own rate limits at once; waits between attempts hold none.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

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
from arco_domain.model.campaigns import MONEY_QUANTUM, CampaignStatus, DailyCampaignMetrics, micros_to_money
from arco_domain.model.money import Money
from arco_domain.model.tiers import CampaignPlatform
from arco_ports.ads import AdAccountAccess, PlatformCampaign, PlatformDailyMetrics

GOOGLE_ADS_API_VERSION = "v26"
"""The major version in every request path. Google announces versions on the Google Ads developer blog and
lists each with its sunset date at https://developers.google.com/google-ads/api/docs/sunset-dates; a major
version is served for about a year, and its minor versions update the same path in place."""

GOOGLE_ADS_API = f"https://googleads.googleapis.com/{GOOGLE_ADS_API_VERSION}"
GOOGLE_OAUTH_TOKEN_URL = "https://oauth2.googleapis.com/token"

TOKEN_EXPIRY_MARGIN = 60.0
"""Seconds before `expires_in` runs out at which a cached access token is replaced, so none expires in flight."""

CAMPAIGNS_QUERY = "SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE campaign.status != 'REMOVED'"

# No status filter here: a campaign removed since still spent in the period, and its spend is real.
DAILY_METRICS_QUERY = (
    "SELECT campaign.id, customer.currency_code, segments.date, metrics.impressions, metrics.clicks, "
    "metrics.conversions, metrics.conversions_value, metrics.cost_micros "
    "FROM campaign WHERE segments.date BETWEEN '{start}' AND '{end}'"
)

STATUSES = {"ENABLED": CampaignStatus.ACTIVE, "PAUSED": CampaignStatus.PAUSED}
"""Campaign statuses ARCO distinguishes; REMOVED, and any status a newer API version adds, read as ended."""

SHORT_QUOTA_ERRORS = frozenset({"RESOURCE_TEMPORARILY_EXHAUSTED", "EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION"})
# The long-term query-cost limit is grouped with the daily cap: waiting seconds within the run cannot lift it.
DAILY_QUOTA_ERRORS = frozenset({"RESOURCE_EXHAUSTED", "EXCESSIVE_LONG_TERM_QUERY_RESOURCE_CONSUMPTION"})
TRANSIENT_STATUSES = frozenset({"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN", "ABORTED"})

_CUSTOMER_ID = re.compile(r"[0-9]{10}")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)s")
_MONEY_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)

_Shape = TypeVar("_Shape")
_Int64 = int | Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]+$")]
"""A protobuf int64, which JSON carries as a string of digits."""


class _Answer(msgspec.Struct, forbid_unknown_fields=False, rename="camel"):
    """The parts of Google's answers ARCO reads; Google adds fields, so unknown ones are ignored."""


class _QuotaErrorDetails(_Answer):
    retry_delay: str | None = None
    """A protobuf Duration in JSON: "30s", "1.5s"."""


class _ErrorDetails(_Answer):
    quota_error_details: _QuotaErrorDetails | None = None


class _GoogleAdsError(_Answer):
    error_code: dict[str, str] = {}
    message: str | None = None
    details: _ErrorDetails | None = None


class _StatusDetail(_Answer):
    type: str = msgspec.field(name="@type", default="")
    errors: list[_GoogleAdsError] = []
    request_id: str | None = None


class _Status(_Answer):
    """Google's error object, whose `GoogleAdsFailure` details carry the Google Ads errors."""

    code: int | None = None
    message: str | None = None
    status: str | None = None
    details: list[_StatusDetail] = []


class _ErrorBody(_Answer):
    error: _Status | None = None


class _Batch(_Answer):
    results: list[msgspec.Raw] = []
    error: _Status | None = None


class _Campaign(_Answer):
    id: _Int64
    name: str | None = None
    status: str | None = None


class _CampaignRow(_Answer):
    campaign: _Campaign


class _Customer(_Answer):
    currency_code: str


class _Segments(_Answer):
    date: date


class _DailyRow(_Answer):
    campaign: _Campaign
    customer: _Customer | None = None
    segments: _Segments | None = None
    metrics: msgspec.Raw = msgspec.Raw(b"{}")
    """Read once the campaign is known, so that figures ARCO cannot take name their campaign."""


class _Metrics(_Answer):
    """Doubles decode from the answer's own decimal text into `Decimal`, never through a binary float."""

    impressions: _Int64 | None = None
    clicks: _Int64 | None = None
    conversions: Decimal | None = None
    conversions_value: Decimal | None = None
    cost_micros: _Int64 | None = None


class _OAuthAnswer(msgspec.Struct, forbid_unknown_fields=False):
    """The parts of the OAuth token endpoint's answers ARCO reads, in OAuth's own snake_case."""


class _Token(_OAuthAnswer):
    access_token: Annotated[str, msgspec.Meta(min_length=1)]
    expires_in: int | None = None


class _TokenError(_OAuthAnswer):
    error: str | None = None
    error_description: str | None = None


@dataclass(frozen=True, slots=True)
class _AccessToken:
    value: str
    expires_at: float  # on the adapter's clock


class GoogleAdsPlatform:
    """Reads ad accounts through the Google Ads REST API with one `httpx.AsyncClient` (closed by `aclose`).

    `client_id` and `client_secret` are ARCO's OAuth client, whose Google Cloud project holds the API access
    level. `developer_token` is sent as the `developer-token` header when configured: Google retired developer
    tokens on 2026-09-09 in favour of the project's access level and now ignores the header. `connect_timeout`
    and `read_timeout` bound each step of a request and `deadline` the whole of it; `retry` sets how often
    transient failures are tried again, sleeping through `sleep`. `clock` (seconds, monotonic) times the
    cached access tokens.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        gate: AccountGate,
        developer_token: str | None = None,
        base_url: str = GOOGLE_ADS_API,
        token_url: str = GOOGLE_OAUTH_TOKEN_URL,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        deadline: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("Google Ads needs ARCO's OAuth client id and client secret")
        self._client_id = client_id
        self._client_secret = client_secret
        self._gate = gate
        self._developer_token = developer_token
        self._base_url = base_url.rstrip("/")
        self._token_url = token_url
        self._retry = retry or RetryPolicy()
        self._deadline = deadline
        self._sleep = sleep
        self._clock = clock
        self._tokens: dict[str, _AccessToken] = {}
        self._token_locks: dict[str, asyncio.Lock] = {}
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout), transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def list_campaigns(self, account: AdAccountAccess) -> Sequence[PlatformCampaign]:
        """The account's campaigns that are not removed."""
        return [_campaign(row) for row in await self._search(account, CAMPAIGNS_QUERY, _CampaignRow)]

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        """One row per campaign and day in `[start, end]` (inclusive) that had any activity, money in the
        account's currency."""
        if start > end:
            raise ValidationError(f"the period starts on {start}, after its end on {end}", field="start")
        query = DAILY_METRICS_QUERY.format(start=start.isoformat(), end=end.isoformat())
        days = [_daily(row) for row in await self._search(account, query, _DailyRow)]
        return [day for day in days if _had_activity(day.metrics)]

    async def _search(self, account: AdAccountAccess, query: str, shape: type[_Shape]) -> list[_Shape]:
        customer = _customer_id(account.account_id, "account_id")
        login = (
            None if account.login_customer_id is None else _customer_id(account.login_customer_id, "login_customer_id")
        )

        async def attempt() -> list[msgspec.Raw]:
            return await self._stream(account.secret, customer, login, query)

        rows = await call_with_retries(attempt, self._retry, service="Google Ads", sleep=self._sleep)
        return [_decode(row, shape, "Google Ads", "a row ARCO cannot read") for row in rows]

    async def _stream(self, secret: str, customer: str, login: str | None, query: str) -> list[msgspec.Raw]:
        token = await self._access_token(secret)
        response = await self._post_search(customer, login, query, token)
        if response.status_code == httpx.codes.UNAUTHORIZED:
            token = await self._access_token(secret, stale=token)
            response = await self._post_search(customer, login, query, token)
        if not response.is_success:
            raise _refusal(response.status_code, _error_object(response), response.headers)
        stream = _decode(response.content, list[_Batch], "Google Ads", "something that is not a result stream")
        return _stream_rows(stream, response.headers)

    async def _post_search(self, customer: str, login: str | None, query: str, token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if self._developer_token:
            headers["developer-token"] = self._developer_token
        if login is not None:
            headers["login-customer-id"] = login
        url = f"{self._base_url}/customers/{customer}/googleAds:searchStream"
        async with self._gate.hold(CampaignPlatform.GOOGLE_ADS, customer):
            return await self._send("Google Ads", url, json={"query": query}, headers=headers)

    async def _access_token(self, secret: str, *, stale: str | None = None) -> str:
        """A valid access token for the grant `secret`; a new one when the cached one is `stale`.

        Tokens are cached under a digest of the grant, never the grant itself, and expired ones are dropped
        as new ones come, so the cache holds no more than the grants in use within the last hour."""
        key = hashlib.sha256(secret.encode()).hexdigest()
        async with self._token_locks.setdefault(key, asyncio.Lock()):
            cached = self._tokens.get(key)
            if cached is not None and cached.value != stale and self._clock() < cached.expires_at:
                return cached.value
            self._tokens.pop(key, None)
            token = await self._refresh(secret)
            self._tokens[key] = token
        self._forget_expired()
        return token.value

    def _forget_expired(self) -> None:
        now = self._clock()
        for key in [key for key, token in self._tokens.items() if token.expires_at <= now]:
            del self._tokens[key]
        for key in [key for key, lock in self._token_locks.items() if key not in self._tokens and not lock.locked()]:
            del self._token_locks[key]

    async def _refresh(self, secret: str) -> _AccessToken:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "refresh_token": secret,
        }
        response = await self._send("Google's OAuth endpoint", self._token_url, data=form)
        if not response.is_success:
            raise _token_refusal(response)
        token = _decode(response.content, _Token, "Google's OAuth endpoint", "something without an access token")
        # Without a lifetime the token is used for this call only rather than trusted for an unknown time.
        return _AccessToken(token.access_token, self._clock() + (token.expires_in or 0) - TOKEN_EXPIRY_MARGIN)

    async def _send(self, service: str, url: str, **request: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self._deadline):
                return await self._http.post(url, **request)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise AdPlatformUnavailable(f"{service} did not answer in time; try again later") from error
        except httpx.TransportError as error:
            raise AdPlatformUnavailable(
                f"{service} cannot be reached ({type(error).__name__}); try again later"
            ) from error


def _customer_id(value: str, field: str) -> str:
    digits = value.replace("-", "").strip()
    if not _CUSTOMER_ID.fullmatch(digits):
        raise ValidationError(f"a Google Ads customer id has ten digits (123-456-7890), not {value!r}", field=field)
    return digits


def _decode(content: bytes, shape: type[_Shape], service: str, unreadable: str) -> _Shape:
    """`content` read as `shape`; what does not fit is `AdPlatformUnavailable`, `unreadable` saying what came."""
    try:
        return msgspec.json.decode(content, type=shape)
    except msgspec.ValidationError as error:
        raise AdPlatformUnavailable(f"{service} answered with {unreadable} ({error})") from error
    except msgspec.DecodeError as error:
        raise AdPlatformUnavailable(f"{service} answered with something that is not JSON") from error


def _stream_rows(stream: list[_Batch], headers: httpx.Headers) -> list[msgspec.Raw]:
    """The rows of every batch; an error Google appended to the stream after it began is raised."""
    rows: list[msgspec.Raw] = []
    for batch in stream:
        if batch.error is not None:
            raise _refusal(batch.error.code or 500, batch.error, headers)
        rows.extend(batch.results)
    return rows


def _error_object(response: httpx.Response) -> _Status | None:
    """Google's `{"error": {...}}`, which a streaming method may also send wrapped in a one-element array."""
    try:
        body = msgspec.json.decode(response.content, type=_ErrorBody | list[_ErrorBody])
    except msgspec.DecodeError:
        return None
    if isinstance(body, list):
        return body[0].error if body else None
    return body.error


def _google_ads_failures(error: _Status) -> list[_StatusDetail]:
    return [detail for detail in error.details if detail.type.endswith(".GoogleAdsFailure")]


def _retry_delay(failures: list[_GoogleAdsError]) -> float | None:
    """Google's advised wait, from the quota error details."""
    for failure in failures:
        quota = failure.details.quota_error_details if failure.details else None
        match = _DURATION.fullmatch(quota.retry_delay) if quota and quota.retry_delay else None
        if match:
            return float(match.group(1))
    return None


def _refusal(status: int, error: _Status | None, headers: httpx.Headers) -> ArcoError:
    """The domain error for Google's error object (None when the answer carried none) and the HTTP status."""
    failed = _google_ads_failures(error) if error else []
    failures = [failure for detail in failed for failure in detail.errors]
    codes = {code for failure in failures for code in failure.error_code.items()}
    kinds = {kind for kind, _ in codes}
    quota = {value for kind, value in codes if kind == "quotaError"}
    grpc_status = (error.status if error else None) or ""
    messages = [failure.message for failure in failures if failure.message]
    message = "; ".join(messages) or (error.message if error else None) or "no details"
    request_id = next((detail.request_id for detail in failed if detail.request_id), None)
    said = f"({status} {grpc_status or 'without a status'}): {message}" + (
        f" [request {request_id}]" if request_id else ""
    )
    delay = _retry_delay(failures)
    if quota & DAILY_QUOTA_ERRORS:
        return AdRateLimited(f"Google Ads' daily operations cap is spent {said}", retry_after=delay, daily_cap=True)
    if "ACCESS_PROHIBITED" in quota:
        return AdPermissionDenied(f"Google Ads prohibits ARCO's access {said}")
    if quota & SHORT_QUOTA_ERRORS or status == httpx.codes.TOO_MANY_REQUESTS or grpc_status == "RESOURCE_EXHAUSTED":
        return AdRateLimited(
            f"Google Ads throttled ARCO {said}", retry_after=delay if delay is not None else retry_after(headers)
        )
    if status == httpx.codes.UNAUTHORIZED or grpc_status == "UNAUTHENTICATED" or "authenticationError" in kinds:
        return AdGrantRevoked(f"Google Ads no longer accepts the client's grant {said}; reconnect the account")
    if status == httpx.codes.FORBIDDEN or grpc_status == "PERMISSION_DENIED" or "authorizationError" in kinds:
        return AdPermissionDenied(f"Google Ads denied access to the account {said}")
    if not error or status >= 500 or grpc_status in TRANSIENT_STATUSES:
        # An answer that is not Google's error object came from something in between, not from the API.
        return AdPlatformUnavailable(
            f"Google Ads cannot answer now {said}; try again later", retry_after=retry_after(headers)
        )
    return AdRequestRefused(f"Google Ads refused the request {said}")


def _token_refusal(response: httpx.Response) -> ArcoError:
    """What the OAuth token endpoint's `{"error": "...", "error_description": "..."}` means for ARCO."""
    try:
        body = msgspec.json.decode(response.content, type=_TokenError)
    except msgspec.DecodeError:
        body = _TokenError()
    code = body.error
    said = f"({response.status_code} {code or 'without an error code'}): {body.error_description or 'no details'}"
    unreadable = body == _TokenError()  # nothing the endpoint's own refusals carry
    if response.status_code >= 500 or response.status_code == httpx.codes.TOO_MANY_REQUESTS or unreadable:
        return AdPlatformUnavailable(
            f"Google's OAuth endpoint cannot answer now {said}; try again later",
            retry_after=retry_after(response.headers),
        )
    if code == "invalid_grant":
        return AdGrantRevoked(f"Google refused the client's grant {said}; reconnect the account")
    # invalid_client, unauthorized_client and the like: ARCO's own OAuth client, for operators to fix.
    return AdPermissionDenied(f"Google refused ARCO's OAuth client {said}")


def _campaign(row: _CampaignRow) -> PlatformCampaign:
    external_id = str(int(row.campaign.id))
    if row.campaign.name is None:
        raise AdPlatformUnavailable(f"Google Ads answered without a name for campaign {external_id}")
    return PlatformCampaign(
        external_id, row.campaign.name, STATUSES.get(row.campaign.status or "", CampaignStatus.ENDED)
    )


def _daily(row: _DailyRow) -> PlatformDailyMetrics:
    external_id = str(int(row.campaign.id))
    if row.segments is None or row.customer is None:
        raise AdPlatformUnavailable(f"Google Ads answered without a readable date or currency for {external_id}")
    day, currency = row.segments.date, row.customer.currency_code
    metrics = _decode(row.metrics, _Metrics, "Google Ads", f"figures ARCO cannot read for {external_id}")
    try:
        figures = DailyCampaignMetrics(
            date=day,
            impressions=int(metrics.impressions or 0),
            clicks=int(metrics.clicks or 0),
            conversions=_finite(metrics.conversions, "metrics.conversions"),
            cost=micros_to_money(int(metrics.cost_micros or 0), currency),
            revenue=Money(
                _finite(metrics.conversions_value, "metrics.conversions_value").quantize(
                    MONEY_QUANTUM, context=_MONEY_CONTEXT
                ),
                currency,
            ),
        )
    except (ValidationError, InvalidOperation) as error:
        raise AdPlatformUnavailable(
            f"Google Ads answered with figures ARCO cannot take for campaign {external_id} on {day}: {error}"
        ) from error
    return PlatformDailyMetrics(external_id, figures)


def _finite(value: Decimal | None, where: str) -> Decimal:
    """A protobuf double, which proto3 JSON may also quote ("NaN" among them); absent means zero."""
    if value is None:
        return Decimal(0)
    if not value.is_finite():
        raise AdPlatformUnavailable(f"Google Ads answered with {value} for {where}, which is not a number")
    return value


def _had_activity(day: DailyCampaignMetrics) -> bool:
    return bool(day.impressions or day.clicks or day.conversions or day.cost.amount or day.revenue.amount)
