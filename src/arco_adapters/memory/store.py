"""The in-memory database: tables of entity copies, one writer at a time."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from uuid import UUID

from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope

Row = TypeVar("Row")


class Table(Generic[Row]):
    """Rows by id. Rows go in and come out as copies, as they would through a database driver."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows: dict[UUID, Row] = {}

    def put(self, key: UUID, row: Row) -> None:
        self.rows[key] = copy.deepcopy(row)

    def get(self, key: UUID, visible: Callable[[Row], bool]) -> Row:
        row = self.rows.get(key)
        if row is None or not visible(row):
            raise NotFound(self.kind, key)
        return copy.deepcopy(row)

    def pop(self, key: UUID, visible: Callable[[Row], bool]) -> Row:
        row = self.get(key, visible)
        del self.rows[key]
        return row

    def select(self, where: Callable[[Row], bool]) -> Iterator[Row]:
        return (copy.deepcopy(row) for row in self.rows.values() if where(row))


@dataclass
class MemoryStore:
    """Every table plus the lock that makes each unit of work serializable."""

    tables: dict[str, Table[Any]] = field(default_factory=dict)
    usage: dict[tuple[ClientId, str, str], int] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def table(self, kind: str) -> Table[Any]:
        return self.tables.setdefault(kind, Table[Any](kind))

    def snapshot(self) -> tuple[dict[str, dict[UUID, Any]], dict[tuple[ClientId, str, str], int]]:
        # Rows are never mutated in place (tables store copies), so shallow copies suffice.
        return {name: dict(t.rows) for name, t in self.tables.items()}, dict(self.usage)

    def restore(self, state: tuple[dict[str, dict[UUID, Any]], dict[tuple[ClientId, str, str], int]]) -> None:
        rows, usage = state
        for name, table in self.tables.items():
            table.rows = rows.get(name, {})
        self.usage = usage


def in_scope(scope: DataScope, client_id: ClientId | None) -> bool:
    """The memory twin of PostgreSQL's row-level security policy."""
    return scope.client_id is None or scope.client_id == client_id
