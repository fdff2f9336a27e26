"""The one money type of the HTTP schemas: its rule, its writing, and that every amount uses it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arco_entrypoints.http.schemas as schemas
from arco_domain.errors import ValidationError
from arco_entrypoints.http.schemas.base import Schema
from arco_entrypoints.http.schemas.money import money_text, money_value
from arco_entrypoints.http.schemas.projects import ProjectCreate

DECIMALS_THAT_ARE_NOT_MONEY = {
    ("Quota", "percent"),
    ("DashboardCdn", "cache_hit_rate"),
    ("DashboardStorage", "percent_used"),
    ("DashboardPerformance", "lcp_seconds"),
    ("DashboardPerformance", "inp_ms"),
    ("DashboardPerformance", "cls"),
    ("DashboardPerformance", "fid_ms"),
    ("DashboardUptime", "current_month_percent"),
    ("CampaignFigures", "conversions"),
    ("CampaignFigures", "ctr_percent"),
    ("CampaignFigures", "roas"),
    ("DashboardBusiness", "conversions"),
    ("DashboardBusiness", "roi_percent"),
    ("DashboardBusiness", "conversion_rate_percent"),
}
"""Ratios, percentages, timings and (fractional) conversion counts: decimals, but not amounts of money."""

AMOUNTS = st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2)


def every_schema() -> Iterator[type[Schema]]:
    for module in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"{schemas.__name__}.{module.name}")
    pending = [Schema]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        yield cls


def is_decimal(field_type: msgspec.inspect.Type) -> bool:
    if isinstance(field_type, msgspec.inspect.UnionType):
        return any(is_decimal(member) for member in field_type.types)
    if isinstance(field_type, msgspec.inspect.Metadata):
        return is_decimal(field_type.type)
    return isinstance(field_type, msgspec.inspect.DecimalType)


def budget_of(text: object) -> ProjectCreate:
    return msgspec.convert({"name": "Site", "budget_total": text}, ProjectCreate)


class TestMoneyType:
    def test_every_decimal_field_of_the_schemas_is_a_known_non_amount(self) -> None:
        decimals = {
            (cls.__name__, field.name)
            for cls in every_schema()
            for field in msgspec.inspect.type_info(cls).fields  # type: ignore[attr-defined]
            if is_decimal(field.type)
        }
        # A new money field must use the `Money` type; a new ratio joins the list above.
        assert decimals == DECIMALS_THAT_ARE_NOT_MONEY

    @pytest.mark.parametrize("text", ["1e3", "0.001", "NaN", "Infinity", "1000000000000", " 1", "1.", "\u0661"])
    def test_a_body_with_a_wrong_amount_is_refused_naming_the_field(self, text: str) -> None:
        with pytest.raises(ValidationError) as refused:
            budget_of(text)
        assert refused.value.field == "budget_total"

    def test_an_amount_inside_a_nested_body_is_checked_too(self) -> None:
        class Order(Schema):
            project: ProjectCreate

        with pytest.raises(ValidationError):
            msgspec.convert({"project": {"name": "Site", "budget_total": "0.001"}}, Order)

    @given(AMOUNTS)
    def test_what_the_api_writes_it_reads_back_exactly(self, amount: Decimal) -> None:
        written = money_text(amount)
        assert "E" not in written and "e" not in written
        assert money_value(written) == amount
        body = budget_of(written)
        budget = body.budget()
        assert budget is not None and budget.amount == amount

    def test_amounts_are_written_with_cents(self) -> None:
        written = [money_text(Decimal(text)) for text in ("0", "1E+2", "12.5", "-3")]
        assert written == ["0.00", "100.00", "12.50", "-3.00"]
