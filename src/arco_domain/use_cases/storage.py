"""Storage use-cases: bytes are reserved before an upload streams and settled after."""

from __future__ import annotations

from arco_domain.ids import ClientId, ReservationId, StorageItemId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.storage import RESERVATION_TTL, StorageItem, UploadReservation, check_upload_size
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import UseCase, release_stock, take_quota


class ReserveUpload(UseCase):
    """Admit an upload's bytes against the storage quota before any byte is accepted."""

    async def __call__(
        self, principal: Principal, client_id: ClientId, *, file_name: str, size_bytes: int
    ) -> UploadReservation:
        client_id = principal.client_in_reach(client_id)
        check_upload_size(size_bytes)
        now = self._clock.now()
        reservation = UploadReservation(
            id=ReservationId(self._ids.new_id()), client_id=client_id, size_bytes=size_bytes,
            file_name=file_name, created_at=now, expires_at=now + RESERVATION_TTL,
        )  # fmt: skip
        async with self._uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            await take_quota(uow, client, Resource.STORAGE_BYTES, size_bytes, now)
            await uow.storage.add_reservation(reservation)
            await uow.commit()
        return reservation


class CompleteUpload(UseCase):
    """Turn a reservation into a stored file; its bytes stay counted, now held by the file."""

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
        async with self._uow(DataScope.of_client(client_id)) as uow:
            reservation = await uow.storage.get_reservation(client_id, reservation_id)
            item = StorageItem(
                id=StorageItemId(self._ids.new_id()), client_id=client_id, file_name=reservation.file_name,
                blob_key=blob_key, size_bytes=reservation.size_bytes, created_at=self._clock.now(),
                uploaded_by=principal.user_id, content_type=content_type,
            )  # fmt: skip
            await uow.storage.remove_reservation(client_id, reservation_id)
            await uow.storage.add_item(item)
            await uow.commit()
        return item


class AbortUpload(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, reservation_id: ReservationId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            reservation = await uow.storage.get_reservation(client_id, reservation_id)
            await uow.storage.remove_reservation(client_id, reservation_id)
            await release_stock(uow, client_id, Resource.STORAGE_BYTES, reservation.size_bytes)
            await uow.commit()


class DeleteStoredFile(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, item_id: StorageItemId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            item = await uow.storage.get_item(client_id, item_id)
            await uow.storage.remove_item(client_id, item_id)
            await release_stock(uow, client_id, Resource.STORAGE_BYTES, item.size_bytes)
            await uow.commit()


class ExpireUploadReservations(UseCase):
    """Give back the bytes of uploads that never completed, so no reservation is held forever."""

    async def __call__(self) -> int:
        async with self._uow(DataScope.all_clients()) as uow:
            expired = await uow.storage.expired_reservations(self._clock.now())
            for reservation in expired:
                await uow.storage.remove_reservation(reservation.client_id, reservation.id)
                await release_stock(uow, reservation.client_id, Resource.STORAGE_BYTES, reservation.size_bytes)
            await uow.commit()
        return len(expired)
