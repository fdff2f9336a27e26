"""Money: an exact `Decimal` amount with its ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from arco_domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "BRL"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValidationError("money amount must be a finite Decimal", field="amount")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValidationError(f"invalid currency code {self.currency!r}", field="currency")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationError(f"cannot combine {self.currency} with {other.currency}")

    @classmethod
    def zero(cls, currency: str = "BRL") -> Money:
        return cls(Decimal(0), currency)
