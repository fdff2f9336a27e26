"""The base of memory repositories: a `MemoryStore` seen through the unit of work's scope.

A unit of work holds the whole store while it is open (see `MemoryUnitOfWork`), so every read already holds
its rows as `SELECT ... FOR UPDATE` would: each `get_for_update` is its `get`.
"""

from __future__ import annotations

from typing import Any, Protocol

from arco_adapters.memory.store import MemoryStore, Table, in_scope
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope


class _Owned(Protocol):
    @property
    def client_id(self) -> ClientId: ...


class Scoped:
    kind: str

    def __init__(self, store: MemoryStore, scope: DataScope) -> None:
        self._store = store
        self._scope = scope

    @property
    def _table(self) -> Table[Any]:
        return self._store.table(self.kind)

    def _mine(self, client_id: ClientId) -> Any:
        """A row filter: the row belongs to `client_id` and the scope may see it."""
        return lambda row: row.client_id == client_id and in_scope(self._scope, row.client_id)

    def _visible(self, row: _Owned) -> bool:
        return in_scope(self._scope, row.client_id)

    def _insert(self, row: Any) -> None:
        if not self._visible(row):
            raise NotFound("client", row.client_id)  # what RLS's WITH CHECK would refuse
        self._table.put(row.id, row)

    def _replace(self, row: Any) -> None:
        self._table.get(row.id, self._mine(row.client_id))
        self._table.put(row.id, row)


class ScopedUnit:
    """The store and scope a memory unit of work holds: what each area's mixin builds its repositories on,
    each once per unit and only when first used."""

    _store: MemoryStore
    _scope: DataScope
