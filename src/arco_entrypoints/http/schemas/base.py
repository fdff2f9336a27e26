"""The base of every request and response body."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from arco_entrypoints.http.schemas.money import check_money_fields

T = TypeVar("T")


class Schema(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Bodies name their fields; an unknown field (`client_id`, `tier` ...) is refused, never applied."""

    def __post_init__(self) -> None:
        # Here rather than in each body, so that no amount escapes the money rule (a 422 naming the field).
        check_money_fields(self)


class Page(Schema, Generic[T]):
    """One page of a list, oldest first unless the route says otherwise; pass `next_cursor` to go on."""

    items: list[T]
    next_cursor: str | None
