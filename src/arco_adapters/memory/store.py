"""The in-memory database: tables of entity copies, one writer at a time."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast
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

    def delete_where(self, where: Callable[[Row], bool]) -> None:
        """What `ON DELETE CASCADE` does to the children of a deleted row."""
        self.rows = {key: row for key, row in self.rows.items() if not where(row)}

    def detach(self, column: str, value: object) -> None:
        """What `ON DELETE SET NULL (column)` does to the rows that pointed at a deleted row."""
        for key, row in list(self.rows.items()):
            if getattr(row, column, None) == value:
                self.rows[key] = dataclasses.replace(cast(Any, row), **{column: None})

    def select(self, where: Callable[[Row], bool]) -> Iterator[Row]:
        return (copy.deepcopy(row) for row in self.rows.values() if where(row))


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, dict[UUID, Any]]
    usage: dict[tuple[ClientId, str, str], int]
    series: dict[str, dict[Any, Any]]


@dataclass
class MemoryStore:
    """Every table plus the lock that makes each unit of work serializable."""

    tables: dict[str, Table[Any]] = field(default_factory=dict)
    usage: dict[tuple[ClientId, str, str], int] = field(default_factory=dict)
    series: dict[str, dict[Any, Any]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def table(self, kind: str) -> Table[Any]:
        return self.tables.setdefault(kind, Table[Any](kind))

    def snapshot(self) -> Snapshot:
        # Rows are never mutated in place (tables store copies), so shallow copies suffice.
        return Snapshot(
            {name: dict(t.rows) for name, t in self.tables.items()},
            dict(self.usage),
            {name: dict(points) for name, points in self.series.items()},
        )

    def restore(self, snapshot: Snapshot) -> None:
        for name, table in self.tables.items():
            table.rows = snapshot.rows.get(name, {})
        self.usage = snapshot.usage
        self.series = snapshot.series


def in_scope(scope: DataScope, client_id: ClientId | None) -> bool:
    """The memory twin of PostgreSQL's row-level security policy."""
    return scope.client_id is None or scope.client_id == client_id
