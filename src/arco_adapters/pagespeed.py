"""`PageSpeedProbe`: the `PerformanceProbe` port on Google's PageSpeed Insights API v5 (`runPagespeed`).

One request runs Lighthouse on the page (20 to 60 seconds at Google) and returns, next to the lab run, the
Chrome UX Report field data Google holds for the page. What ARCO keeps of the answer:

- Lighthouse category scores, `lighthouseResult.categories.<id>.score`, 0..1 (null when Lighthouse could
  not score the category), as whole numbers 0..100 rounded like Lighthouse's own report;
- the field data's 75th percentiles, `loadingExperience.metrics.<METRIC>.percentile`: LCP in milliseconds
  (kept in seconds), INP in milliseconds, CLS times 100 (kept as the score itself), and FID, which CrUX no
  longer reports, when an old-style answer still carries it. A page with too few visitors has no field data:
  those vitals are None. When the page alone has too few, Google answers with its origin's data instead
  (`origin_fallback`), which is kept: for a site's home page that is the best field data there is.

Google fetches the page itself, but at ARCO's request: the `OutboundGuard` first checks that the page's host
resolves to public addresses only, and a page it refuses is never sent to Google (`OutboundRefused`, a
`ValidationError` on the URL; a host that does not resolve is `OutboundFailed`, an `Unavailable`).

Failures leave this module as domain errors: what a later attempt can fix is `PerformanceUnavailable`
(with Google's `Retry-After`), a URL Google refuses to measure is a `ValidationError`, and what only ARCO's
operators can fix (the key, the API not enabled for it) is a `ProviderError`. Messages never carry the
request URL, which holds the key.
"""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, TypeVar

import httpx
import msgspec

from arco_adapters.http_retry import retry_after
from arco_adapters.outbound import OutboundGuard
from arco_domain.errors import ArcoError, ProviderError, ValidationError
from arco_domain.model.performance import PerformanceSample
from arco_ports.performance import PerformanceUnavailable

PAGESPEED_API = "https://www.googleapis.com/pagespeedonline/v5/runPagespeed"

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

RETRYABLE_STATUSES = frozenset({408, 429})
"""Refusals that say "not now": a request timeout, and the per-minute and per-day quotas."""

KEY_REASONS = frozenset({"API_KEY_INVALID", "keyInvalid", "keyExpired", "API_KEY_SERVICE_BLOCKED"})
"""Reasons Google gives, with a 400, for a key that is wrong rather than a URL that is."""

_Shape = TypeVar("_Shape")
_Amount = Annotated[int, msgspec.Meta(ge=0)] | Annotated[float, msgspec.Meta(ge=0)] | None
"""A figure Google reports, kept as it was written (an int stays one) so its decimal is exact."""


class _Answer(msgspec.Struct, forbid_unknown_fields=False, rename="camel"):
    """The parts of Google's answers ARCO reads; Google adds fields, so unknown ones are ignored."""


class _Category(_Answer):
    score: _Amount = None


class _Metric(_Answer):
    percentile: _Amount = None


class _Lighthouse(_Answer):
    categories: dict[str, msgspec.Raw] = {}


class _LoadingExperience(_Answer):
    metrics: dict[str, msgspec.Raw] = {}


class _Run(_Answer):
    lighthouse_result: _Lighthouse | None = None
    loading_experience: _LoadingExperience | None = None


class _Reason(_Answer):
    reason: str | None = None


class _Error(_Answer):
    """Google's error object: `{"error": {"code", "message", "status", "errors": [...], "details": [...]}}`."""

    message: str | None = None
    errors: list[_Reason] = []
    details: list[_Reason] = []


class _Refusal(_Answer):
    error: _Error = msgspec.field(default_factory=_Error)


class PageSpeedProbe:
    """Measures sites through PageSpeed Insights with one `httpx.AsyncClient` (closed by `aclose`).

    `read_timeout` bounds the wait for Google's answer, which only starts once Lighthouse has finished, and
    `deadline` the whole request. `strategy` is the device Lighthouse emulates; mobile is what Google ranks by.
    `guard` checks each page before Google is asked to measure it; it is the caller's to close.
    """

    def __init__(
        self,
        api_key: str,
        *,
        guard: OutboundGuard,
        endpoint: str = PAGESPEED_API,
        strategy: str = "mobile",
        connect_timeout: float = 10.0,
        read_timeout: float = 90.0,
        deadline: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("PageSpeed Insights needs an API key")
        self._key = api_key
        self._guard = guard
        self._endpoint = endpoint
        self._strategy = strategy
        self._deadline = deadline
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout), transport=transport
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def measure(self, url: str) -> PerformanceSample:
        await self._guard.check(url)
        params = {"url": url, "strategy": self._strategy, "category": list(CATEGORIES), "key": self._key}
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http.get(self._endpoint, params=params)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise PerformanceUnavailable("PageSpeed Insights did not answer in time; try again later") from error
        except httpx.TransportError as error:
            reason = type(error).__name__
            raise PerformanceUnavailable(f"PageSpeed Insights cannot be reached ({reason}); try again later") from error
        if not response.is_success:
            raise _refusal(response)
        return parse_run(response.content)


def parse_run(content: bytes) -> PerformanceSample:
    """The sample in a `runPagespeed` answer; `PerformanceUnavailable` when the answer is not one."""
    run = _decode(content, _Run, "something")
    if run.lighthouse_result is None:
        raise PerformanceUnavailable("PageSpeed Insights answered without a Lighthouse result")
    categories = run.lighthouse_result.categories
    field = run.loading_experience.metrics if run.loading_experience else {}
    lcp_ms = _percentile(field, "LARGEST_CONTENTFUL_PAINT_MS")
    cls_percent = _percentile(field, "CUMULATIVE_LAYOUT_SHIFT_SCORE")
    return PerformanceSample(
        lcp_seconds=lcp_ms / 1000 if lcp_ms is not None else None,
        inp_ms=_percentile(field, "INTERACTION_TO_NEXT_PAINT"),
        cls=cls_percent / 100 if cls_percent is not None else None,
        fid_ms=_percentile(field, "FIRST_INPUT_DELAY_MS"),
        lighthouse_performance=_score(categories, "performance"),
        lighthouse_accessibility=_score(categories, "accessibility"),
        lighthouse_best_practices=_score(categories, "best-practices"),
        lighthouse_seo=_score(categories, "seo"),
    )


def _decode(content: bytes, shape: type[_Shape], what: str) -> _Shape:
    try:
        return msgspec.json.decode(content, type=shape)
    except msgspec.DecodeError as error:
        raise PerformanceUnavailable(f"PageSpeed Insights answered with {what} ARCO cannot read ({error})") from error


def _figure(value: int | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _percentile(metrics: dict[str, msgspec.Raw], metric: str) -> Decimal | None:
    raw = metrics.get(metric)
    return None if raw is None else _figure(_decode(raw, _Metric, f"the {metric} figure").percentile)


def _score(categories: dict[str, msgspec.Raw], category: str) -> int | None:
    raw = categories.get(category)
    score = None if raw is None else _figure(_decode(raw, _Category, f"the {category} score").score)
    if score is None:
        return None
    if score > 1:
        raise PerformanceUnavailable(f"PageSpeed Insights answered with a {category} score above 1")
    return int((score * 100).to_integral_value(ROUND_HALF_UP))


def _reasons(error: _Error) -> set[str]:
    return {item.reason for item in (*error.errors, *error.details) if item.reason is not None}


def _refusal(response: httpx.Response) -> ArcoError:
    try:
        error = msgspec.json.decode(response.content, type=_Refusal).error
    except msgspec.DecodeError:
        error = _Error()
    status = response.status_code
    message = error.message or response.reason_phrase or "no details"
    if status in RETRYABLE_STATUSES or status >= 500:
        return PerformanceUnavailable(
            f"PageSpeed Insights cannot measure now ({status}: {message}); try again later",
            retry_after=retry_after(response.headers),
        )
    if status == 400 and not _reasons(error) & KEY_REASONS:
        return ValidationError(f"PageSpeed Insights refused to measure the site: {message}", field="url")
    return ProviderError(f"PageSpeed Insights refused ARCO's request ({status}): {message}")
