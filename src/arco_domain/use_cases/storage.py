"""Storage use-cases: bytes are reserved before an upload streams and settled after."""

from __future__ import annotations

from dataclasses import dataclass

from arco_domain.ids import ClientId, ReservationId, StorageItemId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.storage import RESERVATION_TTL, StorageItem, UploadReservation, check_upload_size
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import release_stock, take_quota
from arco_ports.clock import Clock, IdGenerator
from arco_ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True, kw_only=True)
class ReserveUpload:
    """Admit an upload's bytes against the storage quota before any byte is accepted."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self, principal: Principal, client_id: ClientId, *, file_name: str, size_bytes: int
    ) -> UploadReservation:
        client_id = principal.client_in_reach(client_id)
        check_upload_size(size_bytes)
        now = self.clock.now()
        reservation = UploadReservation(
            id=ReservationId(self.ids.new_id()), client_id=client_id, size_bytes=size_bytes,
            file_name=file_name, created_at=now, expires_at=now + RESERVATION_TTL,
        )  # fmt: skip
        async with self.uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            await take_quota(uow, client, Resource.STORAGE_BYTES, size_bytes, now)
            await uow.storage.add_reservation(reservation)
            await uow.commit()
        return reservation


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteUpload:
    """Turn a reservation into a stored file; its bytes stay counted, now held by the file."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def __call__(
        self,
        principal: Principal,
        client_id: ClientId,
        reservation_id: ReservationId,
        *,
        blob_key: str,
        content_type: str | None = None,
    ) -> StorageItem:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            reservation = await uow.storage.get_reservation(client_id, reservation_id)
            item = StorageItem(
                id=StorageItemId(self.ids.new_id()), client_id=client_id, file_name=reservation.file_name,
                blob_key=blob_key, size_bytes=reservation.size_bytes, created_at=self.clock.now(),
                uploaded_by=principal.user_id, content_type=content_type,
            )  # fmt: skip
            await uow.storage.remove_reservation(client_id, reservation_id)
            await uow.storage.add_item(item)
            await uow.commit()
        return item


@dataclass(frozen=True, slots=True, kw_only=True)
class AbortUpload:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, reservation_id: ReservationId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            reservation = await uow.storage.get_reservation(client_id, reservation_id)
            await uow.storage.remove_reservation(client_id, reservation_id)
            await release_stock(uow, client_id, Resource.STORAGE_BYTES, reservation.size_bytes)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteStoredFile:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, item_id: StorageItemId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            item = await uow.storage.get_item(client_id, item_id)
            await uow.storage.remove_item(client_id, item_id)
            await release_stock(uow, client_id, Resource.STORAGE_BYTES, item.size_bytes)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireUploadReservations:
    """Give back the bytes of uploads that never completed, so no reservation is held forever."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def __call__(self) -> int:
        async with self.uow(DataScope.all_clients()) as uow:
            expired = await uow.storage.expired_reservations(self.clock.now())
            for reservation in expired:
                await uow.storage.remove_reservation(reservation.client_id, reservation.id)
                await release_stock(uow, reservation.client_id, Resource.STORAGE_BYTES, reservation.size_bytes)
            await uow.commit()
        return len(expired)
