"""Keyset pagination over time-ordered ids: stable under inserts, cheap at any depth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from arco_domain.errors import ValidationError

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Up to `limit` items that come after the item whose id is `after` in the list's order."""

    limit: int = DEFAULT_PAGE_SIZE
    after: UUID | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise ValidationError(f"limit must be 1..{MAX_PAGE_SIZE}", field="limit")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_after: UUID | None
    """The id to pass as `after` for the next page; `None` on the last page."""


def page_of(rows: Sequence[T], request: PageRequest, key: Callable[[T], UUID]) -> Page[T]:
    """Cut a page from rows fetched with `limit + 1`: the extra row only says whether more follow."""
    items = rows[: request.limit]
    more = len(rows) > request.limit
    return Page(items, key(items[-1]) if more and items else None)


def paginate(
    rows: Sequence[T], request: PageRequest, key: Callable[[T], UUID], *, newest_first: bool = False
) -> Page[T]:
    """Paginate a complete, small list in memory (lists a quota keeps short)."""
    ordered = sorted(rows, key=key, reverse=newest_first)
    if request.after is not None:
        after = request.after
        ordered = [r for r in ordered if (key(r) < after if newest_first else key(r) > after)]
    return page_of(ordered[: request.limit + 1], request, key)
