from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.model.performance import (
    Grade,
    PerformanceSample,
    VitalRating,
    performance_grade,
    rate_cls,
    rate_inp,
    rate_lcp,
)

GOOD = {"lcp_seconds": Decimal("1.8"), "inp_ms": Decimal(120), "cls": Decimal("0.05")}
NEEDS_IMPROVEMENT = {"lcp_seconds": Decimal("3.2"), "inp_ms": Decimal(350), "cls": Decimal("0.2")}
POOR = {"lcp_seconds": Decimal("5.0"), "inp_ms": Decimal(700), "cls": Decimal("0.4")}
VITALS = tuple(GOOD)


def sample(lighthouse: int | None = None, **vitals: Decimal | None) -> PerformanceSample:
    return PerformanceSample(**vitals, lighthouse_performance=lighthouse)  # type: ignore[arg-type]


def with_vital(measured: PerformanceSample, vital: str, value: Decimal | None) -> PerformanceSample:
    changes: dict[str, Any] = {vital: value}
    return replace(measured, **changes)


def rank(grade: Grade | None) -> int:
    assert grade is not None
    return list(Grade).index(grade)


def vital_values(boundaries: list[str], high: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.sampled_from([Decimal(b) for b in boundaries]),
        st.decimals(min_value=0, max_value=high, places=places),
    )


lcp_values = vital_values(["2.5", "2.51", "4.0", "4.01"], 30, 2)
inp_values = vital_values(["200", "201", "500", "501"], 3000, 0)
cls_values = vital_values(["0.1", "0.11", "0.25", "0.26"], 2, 3)
VALUES = {"lcp_seconds": lcp_values, "inp_ms": inp_values, "cls": cls_values}
lighthouse_scores = st.none() | st.integers(min_value=0, max_value=100)
samples = st.builds(
    PerformanceSample,
    lcp_seconds=st.none() | lcp_values,
    inp_ms=st.none() | inp_values,
    cls=st.none() | cls_values,
    fid_ms=st.none() | st.decimals(min_value=0, max_value=1000, places=0),
    lighthouse_performance=lighthouse_scores,
)


class TestPerformanceSample:
    def test_every_measurement_may_be_missing(self) -> None:
        assert PerformanceSample().lcp_seconds is None

    def test_fid_stays_readable(self) -> None:
        assert PerformanceSample(fid_ms=Decimal(90)).fid_ms == Decimal(90)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("lcp_seconds", Decimal("-0.1")),
            ("inp_ms", Decimal("NaN")),
            ("cls", Decimal("-1")),
            ("fid_ms", Decimal("Infinity")),
            ("lcp_seconds", 2.5),
            ("lighthouse_performance", 101),
            ("lighthouse_accessibility", -1),
            ("lighthouse_best_practices", 90.0),
            ("lighthouse_seo", True),
        ],
    )
    def test_invalid_measurements_are_rejected_with_their_name(self, field: str, value: object) -> None:
        with pytest.raises(ValidationError) as raised:
            PerformanceSample(**{field: value})  # type: ignore[arg-type]
        assert raised.value.field == field

    def test_lighthouse_scores_at_the_bounds_are_accepted(self) -> None:
        measured = PerformanceSample(lighthouse_performance=0, lighthouse_seo=100)
        assert (measured.lighthouse_performance, measured.lighthouse_seo) == (0, 100)


class TestVitalRatings:
    @pytest.mark.parametrize(
        ("rate", "value", "expected"),
        [
            (rate_lcp, "2.5", VitalRating.GOOD),
            (rate_lcp, "2.51", VitalRating.NEEDS_IMPROVEMENT),
            (rate_lcp, "4.0", VitalRating.NEEDS_IMPROVEMENT),
            (rate_lcp, "4.01", VitalRating.POOR),
            (rate_inp, "200", VitalRating.GOOD),
            (rate_inp, "201", VitalRating.NEEDS_IMPROVEMENT),
            (rate_inp, "500", VitalRating.NEEDS_IMPROVEMENT),
            (rate_inp, "501", VitalRating.POOR),
            (rate_cls, "0.1", VitalRating.GOOD),
            (rate_cls, "0.11", VitalRating.NEEDS_IMPROVEMENT),
            (rate_cls, "0.25", VitalRating.NEEDS_IMPROVEMENT),
            (rate_cls, "0.26", VitalRating.POOR),
        ],
    )
    def test_googles_thresholds_are_inclusive_at_good_and_at_needs_improvement(
        self, rate: Callable[[Decimal], VitalRating], value: str, expected: VitalRating
    ) -> None:
        assert rate(Decimal(value)) is expected


class TestPerformanceGrade:
    def test_all_good_with_lighthouse_95_is_a_plus(self) -> None:
        assert performance_grade(sample(95, **GOOD)) is Grade.A_PLUS

    def test_all_good_with_lighthouse_90_to_94_is_a(self) -> None:
        assert performance_grade(sample(90, **GOOD)) is Grade.A
        assert performance_grade(sample(94, **GOOD)) is Grade.A

    def test_all_good_without_lighthouse_is_a(self) -> None:
        assert performance_grade(sample(None, **GOOD)) is Grade.A

    def test_all_good_with_lighthouse_below_90_is_b(self) -> None:
        assert performance_grade(sample(89, **GOOD)) is Grade.B

    def test_one_vital_needing_improvement_is_b_even_with_perfect_lighthouse(self) -> None:
        assert performance_grade(sample(100, **{**GOOD, "cls": NEEDS_IMPROVEMENT["cls"]})) is Grade.B

    def test_two_or_three_needing_improvement_is_c(self) -> None:
        two = {**NEEDS_IMPROVEMENT, "lcp_seconds": GOOD["lcp_seconds"]}
        assert performance_grade(sample(100, **two)) is Grade.C
        assert performance_grade(sample(100, **NEEDS_IMPROVEMENT)) is Grade.C

    def test_exactly_one_poor_vital_is_d(self) -> None:
        assert performance_grade(sample(100, **{**GOOD, "inp_ms": POOR["inp_ms"]})) is Grade.D

    def test_two_or_three_poor_vitals_is_f(self) -> None:
        assert performance_grade(sample(100, **{**POOR, "cls": GOOD["cls"]})) is Grade.F
        assert performance_grade(sample(100, **POOR)) is Grade.F

    def test_missing_vitals_are_graded_from_those_present(self) -> None:
        assert performance_grade(sample(None, inp_ms=NEEDS_IMPROVEMENT["inp_ms"])) is Grade.B
        assert performance_grade(sample(None, lcp_seconds=POOR["lcp_seconds"])) is Grade.D

    def test_a_plus_needs_all_three_vitals_measured(self) -> None:
        two_good = {**GOOD, "cls": None}
        assert performance_grade(sample(100, **two_good)) is Grade.A

    def test_no_vitals_means_no_grade_whatever_lighthouse_says(self) -> None:
        assert performance_grade(sample(100)) is None

    def test_fid_is_never_graded(self) -> None:
        assert performance_grade(PerformanceSample(fid_ms=Decimal(900))) is None
        assert performance_grade(replace(sample(95, **GOOD), fid_ms=Decimal(900))) is Grade.A_PLUS

    @given(measured=samples)
    def test_there_is_a_grade_exactly_when_a_vital_is_measured(self, measured: PerformanceSample) -> None:
        has_vital = any(getattr(measured, vital) is not None for vital in VITALS)
        assert (performance_grade(measured) is not None) == has_vital

    @pytest.mark.parametrize("vital", VITALS)
    @given(data=st.data(), measured=samples)
    def test_improving_a_vital_never_worsens_the_grade(
        self, vital: str, data: st.DataObject, measured: PerformanceSample
    ) -> None:
        first, second = data.draw(VALUES[vital]), data.draw(VALUES[vital])
        worse = with_vital(measured, vital, max(first, second))
        better = with_vital(measured, vital, min(first, second))
        assert rank(performance_grade(better)) <= rank(performance_grade(worse))

    @given(measured=samples, first=st.integers(0, 100), second=st.integers(0, 100))
    def test_a_better_lighthouse_score_never_worsens_the_grade(
        self, measured: PerformanceSample, first: int, second: int
    ) -> None:
        worse = performance_grade(replace(measured, lighthouse_performance=min(first, second)))
        better = performance_grade(replace(measured, lighthouse_performance=max(first, second)))
        if worse is None:
            assert better is None
        else:
            assert rank(better) <= rank(worse)

    @pytest.mark.parametrize("vital", VITALS)
    @given(measured=samples)
    def test_adding_a_poor_vital_never_improves_the_grade(self, vital: str, measured: PerformanceSample) -> None:
        without = with_vital(measured, vital, None)
        before = performance_grade(without)
        after = performance_grade(with_vital(without, vital, POOR[vital]))
        assert after in (Grade.D, Grade.F)
        if before is not None:
            assert rank(after) >= rank(before)
