"""Money on the API: one type for every amount, in requests and responses.

An amount travels as a decimal string with at most 2 places and at most 12 digits before the point
("1234.50", "-3", "0.99"): what ARCO stores (`numeric(14,2)`) and nothing it would round or refuse later.
Exponents ("1e3"), NaN, Infinity, spaces, JSON numbers and a third decimal place are all refused.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

import msgspec

from arco_domain.errors import ValidationError

MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY_TEXT = re.compile(MONEY_PATTERN)
_CENT = Decimal("0.01")
_MARK = "money"

Money = Annotated[
    str,
    msgspec.Meta(
        extra={_MARK: True},
        extra_json_schema={
            "description": "An amount: a decimal string, at most 2 places and 12 digits before the point.",
            "examples": ["1234.50"],
            # Documented here, checked by `check_money_fields` so that a wrong amount is a 422 naming its field.
            "extra": {"pattern": MONEY_PATTERN},
        },
    ),
]


def money_text(amount: Decimal) -> str:
    """An amount as the API writes it: plain digits and cents, never an exponent."""
    return f"{amount.quantize(_CENT):f}"


def money_value(text: str) -> Decimal:
    """The exact amount of a string that passed `check_money_fields`."""
    return Decimal(text)


_money_fields: dict[type[msgspec.Struct], tuple[str, ...]] = {}


def check_money_fields(struct: msgspec.Struct) -> None:
    """Refuse, with a domain `ValidationError` naming the field, any `Money` field that is not a valid amount."""
    for name in _fields_of(type(struct)):
        value = getattr(struct, name)
        if value is not None and not _MONEY_TEXT.fullmatch(value):
            raise ValidationError(
                f'{name} must be a decimal string with at most 2 places and 12 digits before the point, e.g. "1234.50"',
                field=name,
            )


def _fields_of(cls: type[msgspec.Struct]) -> tuple[str, ...]:
    names = _money_fields.get(cls)
    if names is None:
        info = msgspec.inspect.type_info(cls)
        assert isinstance(info, msgspec.inspect.StructType)
        names = _money_fields[cls] = tuple(field.name for field in info.fields if _is_money(field.type))
    return names


def _is_money(field_type: msgspec.inspect.Type) -> bool:
    if isinstance(field_type, msgspec.inspect.UnionType):
        return any(_is_money(member) for member in field_type.types)
    return isinstance(field_type, msgspec.inspect.Metadata) and bool((field_type.extra or {}).get(_MARK))
