"""File storage: stored items and the byte reservations that guard uploads in flight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, ProjectId, ReservationId, StorageItemId, UserId

MAX_UPLOAD_BYTES = 50 * 1024**2
"""Largest single upload (50 MB, binary megabytes like the tier table's GB)."""

RESERVATION_TTL = timedelta(hours=1)
"""An upload not completed within this time is presumed dead and its bytes are given back."""


def check_upload_size(size_bytes: int) -> None:
    if size_bytes <= 0:
        raise ValidationError("an upload must have at least one byte", field="size_bytes")
    if size_bytes > MAX_UPLOAD_BYTES:
        raise ValidationError(f"a single upload is at most {MAX_UPLOAD_BYTES} bytes", field="size_bytes")


@dataclass(frozen=True, slots=True)
class UploadReservation:
    """Bytes admitted against the storage quota before an upload streams in."""

    id: ReservationId
    client_id: ClientId
    size_bytes: int
    file_name: str
    created_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class StorageItem:
    id: StorageItemId
    client_id: ClientId
    file_name: str
    blob_key: str
    size_bytes: int
    created_at: datetime
    uploaded_by: UserId | None = None
    content_type: str | None = None
    project_id: ProjectId | None = None

    def __post_init__(self) -> None:
        if not self.file_name.strip() or len(self.file_name) > 255 or "/" in self.file_name:
            raise ValidationError("file name must be 1..255 characters with no '/'", field="file_name")
