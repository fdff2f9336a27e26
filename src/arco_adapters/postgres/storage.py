"""PostgreSQL stored files and upload reservations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row, delete, func, insert, select

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection
from arco_domain.ids import ClientId, ProjectId, ReservationId, StorageItemId, UserId
from arco_domain.model.storage import StorageItem, UploadReservation


def _item(row: Row[Any]) -> StorageItem:
    return StorageItem(
        id=StorageItemId(row.id),
        client_id=ClientId(row.client_id),
        file_name=row.file_name,
        blob_key=row.blob_key,
        size_bytes=row.size_bytes,
        created_at=row.created_at,
        uploaded_by=UserId(row.uploaded_by) if row.uploaded_by else None,
        content_type=row.content_type,
        project_id=ProjectId(row.project_id) if row.project_id else None,
    )


def _reservation(row: Row[Any]) -> UploadReservation:
    return UploadReservation(
        id=ReservationId(row.id),
        client_id=ClientId(row.client_id),
        size_bytes=row.size_bytes,
        file_name=row.file_name,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class PostgresStorageRepository(Repository):
    async def add_item(self, item: StorageItem) -> None:
        await self._run(
            insert(t.storage_items).values(
                id=item.id,
                client_id=item.client_id,
                project_id=item.project_id,
                file_name=item.file_name,
                blob_key=item.blob_key,
                content_type=item.content_type,
                size_bytes=item.size_bytes,
                uploaded_by=item.uploaded_by,
                created_at=item.created_at,
            )
        )

    async def get_item(self, client_id: ClientId, item_id: StorageItemId) -> StorageItem:
        i = t.storage_items.c
        return _item(
            await self._one(select(t.storage_items).where(i.client_id == client_id, i.id == item_id), "file", item_id)
        )

    async def remove_item(self, client_id: ClientId, item_id: StorageItemId) -> None:
        i = t.storage_items.c
        await self._must_change(
            delete(t.storage_items).where(i.client_id == client_id, i.id == item_id), "file", item_id
        )

    async def list_items(self, client_id: ClientId) -> Sequence[StorageItem]:
        i = t.storage_items.c
        query = select(t.storage_items).where(i.client_id == client_id).order_by(i.created_at)
        return [_item(row) for row in await self._all(query)]

    async def count_items(self, client_id: ClientId) -> int:
        i = t.storage_items.c
        return int((await self._run(select(func.count()).where(i.client_id == client_id))).scalar_one())

    async def add_reservation(self, reservation: UploadReservation) -> None:
        await self._run(
            insert(t.upload_reservations).values(
                id=reservation.id,
                client_id=reservation.client_id,
                file_name=reservation.file_name,
                size_bytes=reservation.size_bytes,
                created_at=reservation.created_at,
                expires_at=reservation.expires_at,
            )
        )

    async def get_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> UploadReservation:
        r = t.upload_reservations.c
        query = select(t.upload_reservations).where(r.client_id == client_id, r.id == reservation_id)
        return _reservation(await self._one(query, "upload", reservation_id))

    async def remove_reservation(self, client_id: ClientId, reservation_id: ReservationId) -> None:
        r = t.upload_reservations.c
        statement = delete(t.upload_reservations).where(r.client_id == client_id, r.id == reservation_id)
        await self._must_change(statement, "upload", reservation_id)

    async def expired_reservations(self, now: datetime) -> Sequence[UploadReservation]:
        r = t.upload_reservations.c
        query = select(t.upload_reservations).where(r.expires_at <= now).with_for_update(skip_locked=True)
        return [_reservation(row) for row in await self._all(query)]


class PostgresStorageArea(UnitConnection):
    @cached_property
    def storage(self) -> PostgresStorageRepository:
        return PostgresStorageRepository(self._open_connection)
