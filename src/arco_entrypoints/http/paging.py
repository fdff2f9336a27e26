"""Opaque cursors for the edge: the id to continue after, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, TypeVar
from uuid import UUID

from litestar.params import QueryParameter

from arco_domain.errors import ValidationError
from arco_domain.model.paging import DEFAULT_PAGE_SIZE, PageRequest
from arco_domain.model.paging import Page as DomainPage
from arco_entrypoints.http.schemas.base import Page

T = TypeVar("T")
Out = TypeVar("Out")
PageSize = Annotated[int, QueryParameter(ge=1, le=100, description="Page size, at most 100.")]
__all__ = ["DEFAULT_PAGE_SIZE", "PageSize", "decode_cursor", "encode_cursor", "page_out", "page_request"]


def page_request(limit: int, cursor: str | None) -> PageRequest:
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)


def decode_cursor(cursor: str) -> UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return UUID(bytes=raw)
    except (binascii.Error, ValueError) as error:
        raise ValidationError("the cursor is not one this API issued", field="cursor") from error


def encode_cursor(after: UUID) -> str:
    return base64.urlsafe_b64encode(after.bytes).rstrip(b"=").decode()


def page_out(page: DomainPage[T], convert: Callable[[T], Out]) -> Page[Out]:
    return Page(
        items=[convert(item) for item in page.items],
        next_cursor=encode_cursor(page.next_after) if page.next_after else None,
    )
