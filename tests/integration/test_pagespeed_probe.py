"""`PageSpeedProbe` through httpx and HTTP, against a local stub of PageSpeed Insights' `runPagespeed`.

The stub answers with `tests/fixtures/pagespeed/run_pagespeed.json`: a real answer's shape (API v5, Lighthouse
12), trimmed to a few audits, with its page-level field data (`loadingExperience`), its origin's
(`originLoadingExperience`) and the four Lighthouse categories. Refusals are Google's error objects
(`{"error": {"code", "message", "status", "errors", "details"}}`). It records every request it receives.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from arco_adapters.http_retry import retry_after
from arco_adapters.outbound import OutboundGuard
from arco_adapters.pagespeed import PageSpeedProbe
from arco_domain.errors import ProviderError, Unavailable, ValidationError
from arco_domain.model.performance import Grade, PerformanceSample, performance_grade
from arco_ports.performance import PerformanceProbe, PerformanceUnavailable
from tests.fake_dns import FakeResolver
from tests.stub_http import Reply, StubRequest, StubServer, free_port

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pagespeed" / "run_pagespeed.json"
API_KEY = "AIzaSy-test-arco-stub"
SITE = "https://shop.example.com/"
PUBLIC = "93.184.215.14"
PATH = "/pagespeedonline/v5/runPagespeed"


def run_pagespeed() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FIXTURE.read_text())
    return body


def google_error(code: int, status: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


@dataclass
class PageSpeedStub:
    """`GET /pagespeedonline/v5/runPagespeed`: the fixture, or the replies queued with `fail`, in order."""

    body: dict[str, Any] = field(default_factory=run_pagespeed)
    requests: list[StubRequest] = field(default_factory=list)
    queued: deque[Reply] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, body: dict[str, Any] | str, **headers: str) -> None:
        self.queued.append(Reply.html(status, body, headers) if isinstance(body, str) else Reply(status, headers, body))

    def answer(self, request: StubRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.queued:
                return self.queued.popleft()
            if request.path != PATH:
                return Reply(404, {}, google_error(404, "NOT_FOUND", "Method not found."))
            return Reply(200, {}, self.body)


@pytest.fixture
def psi() -> PageSpeedStub:
    return PageSpeedStub()


@pytest.fixture
def served(psi: PageSpeedStub) -> Iterator[StubServer]:
    with StubServer(psi.answer, json_content_type="application/json; charset=UTF-8") as server:
        yield server


@pytest.fixture
async def guard() -> AsyncIterator[OutboundGuard]:
    """Checks pages against a table of names, never the real DNS; the guard never connects to them."""
    checking = OutboundGuard(
        resolver=FakeResolver({"shop.example.com": [PUBLIC], "intranet.shop.example.com": ["10.0.0.8"]})
    )
    yield checking
    await checking.aclose()


@pytest.fixture
async def probe(served: StubServer, guard: OutboundGuard) -> AsyncIterator[PageSpeedProbe]:
    real = PageSpeedProbe(API_KEY, guard=guard, endpoint=served.url + PATH, read_timeout=5, deadline=10)
    yield real
    await real.aclose()


class TestPageSpeedProbeConstruction:
    def test_a_probe_needs_an_api_key(self, guard: OutboundGuard) -> None:
        with pytest.raises(ValueError, match="API key"):
            PageSpeedProbe("", guard=guard)


class TestPageSpeedProbeTargets:
    @pytest.mark.parametrize(
        ("page", "reason"),
        [
            (
                "https://intranet.shop.example.com/",
                "intranet.shop.example.com resolves to 10.0.0.8, which is a private",
            ),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
            ("file:///etc/passwd", "only http and https URLs are fetched, not file"),
        ],
    )
    async def test_a_page_the_guard_refuses_is_never_sent_to_google(
        self, probe: PageSpeedProbe, psi: PageSpeedStub, page: str, reason: str
    ) -> None:
        with pytest.raises(ValidationError) as refused:
            await probe.measure(page)
        assert str(refused.value).startswith(reason)
        assert refused.value.field == "url"
        assert psi.requests == []

    async def test_a_page_whose_name_does_not_resolve_is_unavailable_and_not_sent(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        with pytest.raises(Unavailable, match="does not resolve"):
            await probe.measure("https://gone.example.com/")
        assert psi.requests == []


class TestPageSpeedProbeMeasure:
    async def test_a_measurement_asks_for_the_mobile_run_of_the_four_categories_with_the_key(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        port: PerformanceProbe = probe
        await port.measure(SITE)
        [request] = psi.requests
        assert request.path == PATH
        assert request.query == {
            "url": [SITE],
            "strategy": ["mobile"],
            "category": ["performance", "accessibility", "best-practices", "seo"],
            "key": [API_KEY],
        }

    async def test_the_answer_becomes_the_pages_field_vitals_and_its_lighthouse_scores(
        self, probe: PageSpeedProbe
    ) -> None:
        sample = await probe.measure(SITE)
        assert sample == PerformanceSample(
            lcp_seconds=Decimal("2.1"),
            inp_ms=Decimal(168),
            cls=Decimal("0.04"),
            fid_ms=None,
            lighthouse_performance=87,
            lighthouse_accessibility=95,
            lighthouse_best_practices=100,
            lighthouse_seo=92,
        )
        assert performance_grade(sample) is Grade.B  # every vital good, Lighthouse below 90

    @pytest.mark.parametrize("field_data", [None, {"initial_url": SITE}], ids=["absent", "without-metrics"])
    async def test_a_page_without_field_data_has_no_vitals_but_keeps_its_lighthouse_scores(
        self, probe: PageSpeedProbe, psi: PageSpeedStub, field_data: dict[str, Any] | None
    ) -> None:
        del psi.body["loadingExperience"], psi.body["originLoadingExperience"]
        if field_data is not None:
            psi.body["loadingExperience"] = field_data
        sample = await probe.measure(SITE)
        assert (sample.lcp_seconds, sample.inp_ms, sample.cls, sample.fid_ms) == (None, None, None, None)
        assert (sample.lighthouse_performance, sample.lighthouse_seo) == (87, 92)
        assert performance_grade(sample) is None

    async def test_a_vital_missing_from_the_field_data_is_none_and_the_others_are_kept(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        del psi.body["loadingExperience"]["metrics"]["INTERACTION_TO_NEXT_PAINT"]
        sample = await probe.measure(SITE)
        assert (sample.lcp_seconds, sample.inp_ms, sample.cls) == (Decimal("2.1"), None, Decimal("0.04"))

    async def test_the_origins_field_data_given_for_a_page_with_too_few_visitors_is_kept(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        origin = copy.deepcopy(psi.body["originLoadingExperience"])
        psi.body["loadingExperience"] = {**origin, "origin_fallback": True}
        sample = await probe.measure(SITE)
        assert (sample.lcp_seconds, sample.inp_ms, sample.cls) == (Decimal("2.3"), Decimal(181), Decimal("0.06"))

    async def test_an_old_style_answer_with_fid_keeps_it_readable(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        fid = {"percentile": 12, "distributions": [], "category": "FAST"}
        psi.body["loadingExperience"]["metrics"]["FIRST_INPUT_DELAY_MS"] = fid
        assert (await probe.measure(SITE)).fid_ms == Decimal(12)

    async def test_a_category_lighthouse_could_not_score_is_none(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        psi.body["lighthouseResult"]["categories"]["performance"]["score"] = None
        del psi.body["lighthouseResult"]["categories"]["seo"]
        sample = await probe.measure(SITE)
        assert (sample.lighthouse_performance, sample.lighthouse_accessibility, sample.lighthouse_seo) == (
            None,
            95,
            None,
        )

    async def test_scores_round_half_up_like_lighthouses_report(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        psi.body["lighthouseResult"]["categories"]["performance"]["score"] = 0.125
        psi.body["lighthouseResult"]["categories"]["seo"]["score"] = 0.574
        sample = await probe.measure(SITE)
        assert (sample.lighthouse_performance, sample.lighthouse_seo) == (13, 57)


class TestPageSpeedProbeRefusals:
    async def test_a_rate_limit_is_unavailable_with_googles_retry_after(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        message = (
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service "
            "'pagespeedonline.googleapis.com' for consumer 'project_number:583797351490'."
        )
        details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED"}]
        psi.fail(429, google_error(429, "RESOURCE_EXHAUSTED", message, details=details), **{"Retry-After": "30"})
        with pytest.raises(Unavailable) as refused:
            await probe.measure(SITE)
        assert isinstance(refused.value, PerformanceUnavailable)
        assert refused.value.retry_after == 30.0
        assert refused.value.facts() == {"retry_after": 30.0}
        assert "Queries per minute" in refused.value.detail

    async def test_a_server_error_is_unavailable_without_advice(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        message = (
            "Lighthouse returned error: FAILED_DOCUMENT_REQUEST. Lighthouse was unable to reliably load the page "
            "you requested. (Details: net::ERR_CONNECTION_FAILED)"
        )
        errors = [{"message": message, "domain": "lighthouse", "reason": "lighthouseError"}]
        psi.fail(500, google_error(500, "INTERNAL", message, errors=errors))
        with pytest.raises(PerformanceUnavailable, match="FAILED_DOCUMENT_REQUEST") as refused:
            await probe.measure(SITE)
        assert refused.value.retry_after is None

    async def test_a_gateway_error_page_that_is_not_json_is_unavailable(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        psi.fail(502, "<html><body>502 Bad Gateway</body></html>", **{"Retry-After": "soon"})
        with pytest.raises(PerformanceUnavailable) as refused:
            await probe.measure(SITE)
        assert refused.value.retry_after is None

    async def test_a_page_lighthouse_refuses_is_a_validation_error_about_the_url(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        message = "Lighthouse returned error: NOT_HTML. The page provided is not HTML (served as MIME type text/plain)."
        errors = [{"message": message, "domain": "lighthouse", "reason": "lighthouseUserError"}]
        psi.fail(400, google_error(400, "INVALID_ARGUMENT", message, errors=errors))
        with pytest.raises(ValidationError, match="NOT_HTML") as refused:
            await probe.measure(SITE)
        assert refused.value.field == "url"
        assert not isinstance(refused.value, Unavailable)

    async def test_an_invalid_key_is_a_provider_error_and_not_the_sites_fault(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        message = "API key not valid. Please pass a valid API key."
        details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]
        psi.fail(400, google_error(400, "INVALID_ARGUMENT", message, details=details))
        with pytest.raises(ProviderError, match="API key not valid") as refused:
            await probe.measure(SITE)
        assert not isinstance(refused.value, ValidationError | Unavailable)
        assert API_KEY not in refused.value.detail

    async def test_an_api_not_enabled_for_the_key_is_a_provider_error(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        message = "PageSpeed Insights API has not been used in project 583797351490 before or it is disabled."
        details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]
        psi.fail(403, google_error(403, "PERMISSION_DENIED", message, details=details))
        with pytest.raises(ProviderError, match="has not been used"):
            await probe.measure(SITE)

    async def test_an_answer_without_a_lighthouse_result_is_unavailable(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        psi.fail(200, {"kind": "pagespeedonline#result", "id": SITE})
        with pytest.raises(PerformanceUnavailable, match="without a Lighthouse result"):
            await probe.measure(SITE)

    async def test_an_answer_with_a_score_that_is_not_a_number_is_unavailable(
        self, probe: PageSpeedProbe, psi: PageSpeedStub
    ) -> None:
        psi.body["lighthouseResult"]["categories"]["seo"]["score"] = "0.92"
        with pytest.raises(PerformanceUnavailable, match="seo score"):
            await probe.measure(SITE)

    async def test_an_answer_slower_than_the_read_timeout_is_unavailable(
        self, served: StubServer, psi: PageSpeedStub, guard: OutboundGuard
    ) -> None:
        served.delay = 1.0
        slow = PageSpeedProbe(API_KEY, guard=guard, endpoint=served.url + PATH, read_timeout=0.2)
        try:
            started = time.monotonic()
            with pytest.raises(PerformanceUnavailable, match="in time"):
                await slow.measure(SITE)
            assert time.monotonic() - started < 0.9
        finally:
            await slow.aclose()

    async def test_the_deadline_bounds_the_whole_request(
        self, served: StubServer, psi: PageSpeedStub, guard: OutboundGuard
    ) -> None:
        served.delay = 1.0
        slow = PageSpeedProbe(API_KEY, guard=guard, endpoint=served.url + PATH, read_timeout=5, deadline=0.2)
        try:
            started = time.monotonic()
            with pytest.raises(PerformanceUnavailable, match="in time"):
                await slow.measure(SITE)
            assert time.monotonic() - started < 0.9
        finally:
            await slow.aclose()

    async def test_a_refused_connection_is_unavailable(self, guard: OutboundGuard) -> None:
        unreachable = PageSpeedProbe(
            API_KEY, guard=guard, endpoint=f"http://127.0.0.1:{free_port()}{PATH}", connect_timeout=1
        )
        try:
            with pytest.raises(PerformanceUnavailable, match="cannot be reached"):
                await unreachable.measure(SITE)
        finally:
            await unreachable.aclose()


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("header", "seconds"),
        [("120", 120.0), ("0", 0.0), ("Mon, 02 Mar 2026 09:01:30 GMT", 90.0), ("Mon, 02 Mar 2026 08:00:00 GMT", 0.0)],
    )
    def test_google_may_advise_in_seconds_or_with_a_date(self, header: str, seconds: float) -> None:
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert retry_after(httpx.Headers({"Retry-After": header}), now) == seconds

    @pytest.mark.parametrize("header", ["", "soon", "-5", "inf"])
    def test_advice_that_is_not_a_usable_wait_is_ignored(self, header: str) -> None:
        assert retry_after(httpx.Headers({"Retry-After": header})) is None
