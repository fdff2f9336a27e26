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
import contextlib
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

import httpx

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
        return [_campaign(row) for row in await self._search(account, CAMPAIGNS_QUERY)]

    async def daily_metrics(self, account: AdAccountAccess, start: date, end: date) -> Sequence[PlatformDailyMetrics]:
        """One row per campaign and day in `[start, end]` (inclusive) that had any activity, money in the
        account's currency."""
        if start > end:
            raise ValidationError(f"the period starts on {start}, after its end on {end}", field="start")
        query = DAILY_METRICS_QUERY.format(start=start.isoformat(), end=end.isoformat())
        days = [_daily(row) for row in await self._search(account, query)]
        return [day for day in days if _had_activity(day.metrics)]

    async def _search(self, account: AdAccountAccess, query: str) -> list[Mapping[str, Any]]:
        customer = _customer_id(account.account_id, "account_id")
        login = (
            None if account.login_customer_id is None else _customer_id(account.login_customer_id, "login_customer_id")
        )

        async def attempt() -> list[Mapping[str, Any]]:
            return await self._stream(account.secret, customer, login, query)

        return await call_with_retries(attempt, self._retry, service="Google Ads", sleep=self._sleep)

    async def _stream(self, secret: str, customer: str, login: str | None, query: str) -> list[Mapping[str, Any]]:
        token = await self._access_token(secret)
        response = await self._post_search(customer, login, query, token)
        if response.status_code == httpx.codes.UNAUTHORIZED:
            token = await self._access_token(secret, stale=token)
            response = await self._post_search(customer, login, query, token)
        if not response.is_success:
            raise _refusal(response.status_code, _error_object(response), response.headers)
        return _stream_rows(_json(response, "Google Ads"), response.headers)

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
        body = _json(response, "Google's OAuth endpoint")
        value = body.get("access_token") if isinstance(body, Mapping) else None
        if not isinstance(value, str) or not value:
            raise AdPlatformUnavailable("Google's OAuth endpoint answered without an access token")
        lifetime = body.get("expires_in")
        # Without a lifetime the token is used for this call only rather than trusted for an unknown time.
        seconds = lifetime if isinstance(lifetime, int) and not isinstance(lifetime, bool) else 0
        return _AccessToken(value, self._clock() + seconds - TOKEN_EXPIRY_MARGIN)

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


def _json(response: httpx.Response, service: str) -> Any:
    try:
        # Doubles are parsed as Decimal straight from the answer's text, so no binary float ever holds them.
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as error:
        raise AdPlatformUnavailable(f"{service} answered with something that is not JSON") from error


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _stream_rows(body: Any, headers: httpx.Headers) -> list[Mapping[str, Any]]:
    """The rows of every batch; an error Google appended to the stream after it began is raised."""
    if not isinstance(body, list):
        raise AdPlatformUnavailable("Google Ads answered with something that is not a result stream")
    rows: list[Mapping[str, Any]] = []
    for batch in body:
        if not isinstance(batch, Mapping):
            raise AdPlatformUnavailable("Google Ads answered with a stream batch that is not an object")
        if isinstance(batch.get("error"), Mapping):
            error = batch["error"]
            code = error.get("code")
            raise _refusal(code if isinstance(code, int) else 500, error, headers)
        results = batch.get("results", [])
        if not isinstance(results, list) or not all(isinstance(row, Mapping) for row in results):
            raise AdPlatformUnavailable("Google Ads answered with a stream batch whose results are not rows")
        rows.extend(results)
    return rows


def _error_object(response: httpx.Response) -> Mapping[str, Any]:
    """Google's `{"error": {...}}`, which a streaming method may also send wrapped in a one-element array."""
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return {}
    if isinstance(body, list) and body:
        body = body[0]
    return _mapping(_mapping(body).get("error"))


def _failures(error: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The `GoogleAdsError`s inside the status's `GoogleAdsFailure` details."""
    return [
        failure
        for detail in _google_ads_failures(error)
        for failure in _list(detail.get("errors"))
        if isinstance(failure, Mapping)
    ]


def _google_ads_failures(error: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        detail
        for detail in _list(error.get("details"))
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith(".GoogleAdsFailure")
    ]


def _request_id(error: Mapping[str, Any]) -> str | None:
    ids = [detail["requestId"] for detail in _google_ads_failures(error) if isinstance(detail.get("requestId"), str)]
    return ids[0] if ids else None


def _retry_delay(failures: list[Mapping[str, Any]]) -> float | None:
    """Google's advised wait, a protobuf Duration in JSON ("30s", "1.5s"), from the quota error details."""
    for failure in failures:
        delay = _mapping(_mapping(failure.get("details")).get("quotaErrorDetails")).get("retryDelay")
        match = _DURATION.fullmatch(delay) if isinstance(delay, str) else None
        if match:
            return float(match.group(1))
    return None


def _refusal(status: int, error: Mapping[str, Any], headers: httpx.Headers) -> ArcoError:
    failures = _failures(error)
    codes = {(kind, str(value)) for failure in failures for kind, value in _mapping(failure.get("errorCode")).items()}
    kinds = {kind for kind, _ in codes}
    quota = {value for kind, value in codes if kind == "quotaError"}
    grpc_status = str(error.get("status") or "")
    messages = [str(failure["message"]) for failure in failures if failure.get("message")]
    message = "; ".join(messages) or str(error.get("message") or "no details")
    request_id = _request_id(error)
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
        body = _mapping(response.json())
    except ValueError:
        body = {}
    code = body.get("error")
    said = (
        f"({response.status_code} {code or 'without an error code'}): {body.get('error_description') or 'no details'}"
    )
    if response.status_code >= 500 or response.status_code == httpx.codes.TOO_MANY_REQUESTS or not body:
        return AdPlatformUnavailable(
            f"Google's OAuth endpoint cannot answer now {said}; try again later",
            retry_after=retry_after(response.headers),
        )
    if code == "invalid_grant":
        return AdGrantRevoked(f"Google refused the client's grant {said}; reconnect the account")
    # invalid_client, unauthorized_client and the like: ARCO's own OAuth client, for operators to fix.
    return AdPermissionDenied(f"Google refused ARCO's OAuth client {said}")


def _int64(value: Any, where: str) -> int:
    """A protobuf int64, which JSON carries as a string of digits; absent means zero."""
    if value is None:
        return 0
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise AdPlatformUnavailable(f"Google Ads answered with {value!r} for {where}, which is not an integer")


def _double(value: Any, where: str) -> Decimal:
    """A protobuf double as its exact decimal text (JSON numbers arrive as Decimal); absent means zero."""
    if value is None:
        return Decimal(0)
    number = Decimal("NaN")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):  # proto3 JSON may quote a double ("NaN" among them)
        with contextlib.suppress(InvalidOperation):
            number = Decimal(value)
    if not number.is_finite():
        raise AdPlatformUnavailable(f"Google Ads answered with {value!r} for {where}, which is not a number")
    return number


def _campaign_id(row: Mapping[str, Any]) -> str:
    value = _mapping(row.get("campaign")).get("id")
    if value is None:
        raise AdPlatformUnavailable("Google Ads answered with a row without campaign.id")
    return str(_int64(value, "campaign.id"))


def _campaign(row: Mapping[str, Any]) -> PlatformCampaign:
    campaign = _mapping(row.get("campaign"))
    external_id = _campaign_id(row)
    name = campaign.get("name")
    if not isinstance(name, str):
        raise AdPlatformUnavailable(f"Google Ads answered without a name for campaign {external_id}")
    return PlatformCampaign(external_id, name, STATUSES.get(str(campaign.get("status")), CampaignStatus.ENDED))


def _daily(row: Mapping[str, Any]) -> PlatformDailyMetrics:
    external_id = _campaign_id(row)
    currency = _mapping(row.get("customer")).get("currencyCode")
    day_text = _mapping(row.get("segments")).get("date")
    try:
        day = date.fromisoformat(day_text) if isinstance(day_text, str) else None
    except ValueError:
        day = None
    if day is None or not isinstance(currency, str):
        raise AdPlatformUnavailable(f"Google Ads answered without a readable date or currency for {external_id}")
    metrics = _mapping(row.get("metrics"))
    value = _double(metrics.get("conversionsValue"), "metrics.conversions_value")
    try:
        figures = DailyCampaignMetrics(
            date=day,
            impressions=_int64(metrics.get("impressions"), "metrics.impressions"),
            clicks=_int64(metrics.get("clicks"), "metrics.clicks"),
            conversions=_double(metrics.get("conversions"), "metrics.conversions"),
            cost=micros_to_money(_int64(metrics.get("costMicros"), "metrics.cost_micros"), currency),
            revenue=Money(value.quantize(MONEY_QUANTUM, context=_MONEY_CONTEXT), currency),
        )
    except (ValidationError, InvalidOperation) as error:
        raise AdPlatformUnavailable(
            f"Google Ads answered with figures ARCO cannot take for campaign {external_id} on {day}: {error}"
        ) from error
    return PlatformDailyMetrics(external_id, figures)


def _had_activity(day: DailyCampaignMetrics) -> bool:
    return bool(day.impressions or day.clicks or day.conversions or day.cost.amount or day.revenue.amount)
