"""Who is calling, and which client's data a unit of work may touch."""

from __future__ import annotations

from dataclasses import dataclass

from arco_domain.errors import NotFound, PermissionDenied
from arco_domain.ids import ClientId, UserId
from arco_domain.model.clients import UserType


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. Client users belong to one client; staff may act on any."""

    user_id: UserId
    user_type: UserType
    client_id: ClientId | None = None
    impersonator_id: UserId | None = None

    @property
    def is_staff(self) -> bool:
        return self.user_type.is_staff

    def client_in_reach(self, client_id: ClientId) -> ClientId:
        """`client_id` if the caller may act on it. Another client's data is reported as absent."""
        if self.is_staff or self.client_id == client_id:
            return client_id
        raise NotFound("client", client_id)

    def own_client(self) -> ClientId:
        if self.client_id is None:
            raise PermissionDenied("this operation needs a client account")
        return self.client_id

    def require_staff(self) -> None:
        if not self.is_staff:
            raise PermissionDenied("agency staff only")


@dataclass(frozen=True, slots=True)
class DataScope:
    """The rows a unit of work may see: one client's, or every client's (staff and scheduled jobs)."""

    client_id: ClientId | None

    @classmethod
    def of_client(cls, client_id: ClientId) -> DataScope:
        return cls(client_id)

    @classmethod
    def all_clients(cls) -> DataScope:
        return cls(None)
