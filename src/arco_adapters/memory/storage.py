"""Memory stored files and upload reservations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import Table
from arco_domain.errors import NotFound
from arco_domain.ids import ClientId, ReservationId, StorageItemId
from arco_domain.model.storage import StorageItem, UploadReservation


class MemoryStorageRepository(Scoped):
    kind = "storage_item"

    @property
    def _reservations(self) -> Table[UploadReservation]:
        return self._store.table("upload_reservation")

    async def add_item(self, item: StorageItem) -> None:
        self._insert(item)

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem:
        item: StorageItem = self._table.get(item_id, self._mine(client_id))
        return item

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None:
        self._table.pop(item_id, self._mine(client_id))

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda i: i.created_at)

    async def count_items(self, client_id: ClientId) -> int:
        return sum(1 for _ in self._table.select(self._mine(client_id)))

    async def add_reservation(self, reservation: UploadReservation) -> None:
        if not self._visible(reservation):
            raise NotFound("client", reservation.client_id)
        self._reservations.put(reservation.id, reservation)

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation:
        return self._reservations.get(reservation_id, self._mine(client_id))

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None:
        self._reservations.pop(reservation_id, self._mine(client_id))

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        return list(self._reservations.select(lambda r: self._visible(r) and r.expired(now)))


class MemoryStorageArea(ScopedUnit):
    @cached_property
    def storage(self) -> MemoryStorageRepository:
        return MemoryStorageRepository(self._store, self._scope)
