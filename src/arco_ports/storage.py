"""Clients' stored files and the uploads reserved for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import ClientId, ReservationId, StorageItemId
from arco_domain.model.storage import StorageItem, UploadReservation


class StorageRepository(Protocol):
    async def add_item(self, item: StorageItem) -> None: ...

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem: ...

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None: ...

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]: ...

    async def count_items(self, client_id: ClientId) -> int:
        """How many files the client stores, counted without reading them."""
        ...

    async def add_reservation(self, reservation: UploadReservation) -> None: ...

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation: ...

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None: ...

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        """Reservations of every client whose expiry has passed."""
        ...


class StorageArea(Protocol):
    @property
    def storage(self) -> StorageRepository: ...
