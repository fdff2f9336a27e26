"""Site performance: Core Web Vitals, Lighthouse scores and the one grade shown on the dashboard.

The grade rule (``performance_grade``, the only one):

1. Rate each Core Web Vital present in the sample against Google's published thresholds
   (lower is better for all three):

   ======  =========  ==================  =========
   vital   good       needs improvement   poor
   ======  =========  ==================  =========
   LCP     <= 2.5 s   <= 4.0 s            > 4.0 s
   INP     <= 200 ms  <= 500 ms           > 500 ms
   CLS     <= 0.1     <= 0.25             > 0.25
   ======  =========  ==================  =========

2. Grade the ratings, first match wins:

   - no vital measured: no grade (``None``), whatever Lighthouse says;
   - two or more poor: F;
   - exactly one poor: D;
   - all good, all three measured and Lighthouse performance >= 95: A+;
   - all good and Lighthouse performance >= 90 or not measured: A;
   - at most one needs improvement (this includes "all good" with Lighthouse performance < 90): B;
   - otherwise (no poor, two or more needing improvement): C.

Missing vitals are not guessed: the grade comes from the vitals present, except that A+ needs all three
measured, since the top grade should rest on complete field data. Lighthouse (a lab score) only separates
A+, A and B once the field data is all good.

FID is never used: INP replaced it as a Core Web Vital in March 2024. It stays on the sample, readable
only, so historical measurements still display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from arco_domain.errors import ValidationError

LCP_GOOD_SECONDS = Decimal("2.5")
LCP_POOR_ABOVE_SECONDS = Decimal("4.0")
INP_GOOD_MS = Decimal(200)
INP_POOR_ABOVE_MS = Decimal(500)
CLS_GOOD = Decimal("0.1")
CLS_POOR_ABOVE = Decimal("0.25")


class VitalRating(StrEnum):
    GOOD = "good"
    NEEDS_IMPROVEMENT = "needs_improvement"
    POOR = "poor"


class Grade(StrEnum):
    """Declared best first."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"


@dataclass(frozen=True, slots=True)
class PerformanceSample:
    """One measurement of a site: field Core Web Vitals and lab Lighthouse category scores (0..100)."""

    lcp_seconds: Decimal | None = None
    inp_ms: Decimal | None = None
    cls: Decimal | None = None
    fid_ms: Decimal | None = None  # deprecated by INP; kept readable only, never graded
    lighthouse_performance: int | None = None
    lighthouse_accessibility: int | None = None
    lighthouse_best_practices: int | None = None
    lighthouse_seo: int | None = None

    def __post_init__(self) -> None:
        for field in ("lcp_seconds", "inp_ms", "cls", "fid_ms"):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value < 0):
                raise ValidationError(f"{field} must be a finite, non-negative Decimal", field=field)
        for field in (
            "lighthouse_performance",
            "lighthouse_accessibility",
            "lighthouse_best_practices",
            "lighthouse_seo",
        ):
            score = getattr(self, field)
            if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100):
                raise ValidationError(f"{field} must be an integer from 0 to 100", field=field)


def _rate(value: Decimal, good: Decimal, poor_above: Decimal) -> VitalRating:
    if value <= good:
        return VitalRating.GOOD
    return VitalRating.NEEDS_IMPROVEMENT if value <= poor_above else VitalRating.POOR


def rate_lcp(seconds: Decimal) -> VitalRating:
    return _rate(seconds, LCP_GOOD_SECONDS, LCP_POOR_ABOVE_SECONDS)


def rate_inp(ms: Decimal) -> VitalRating:
    return _rate(ms, INP_GOOD_MS, INP_POOR_ABOVE_MS)


def rate_cls(score: Decimal) -> VitalRating:
    return _rate(score, CLS_GOOD, CLS_POOR_ABOVE)


def performance_grade(sample: PerformanceSample) -> Grade | None:
    """Grade a sample by the rule in this module's docstring; None when no Core Web Vital was measured."""
    ratings = [
        rate(value)
        for rate, value in (
            (rate_lcp, sample.lcp_seconds),
            (rate_inp, sample.inp_ms),
            (rate_cls, sample.cls),
        )
        if value is not None
    ]
    if not ratings:
        return None
    poor = ratings.count(VitalRating.POOR)
    needs_improvement = ratings.count(VitalRating.NEEDS_IMPROVEMENT)
    if poor >= 2:
        return Grade.F
    if poor == 1:
        return Grade.D
    lighthouse = sample.lighthouse_performance
    if needs_improvement == 0:
        if len(ratings) == 3 and lighthouse is not None and lighthouse >= 95:
            return Grade.A_PLUS
        if lighthouse is None or lighthouse >= 90:
            return Grade.A
    return Grade.B if needs_improvement <= 1 else Grade.C
