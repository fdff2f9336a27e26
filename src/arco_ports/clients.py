"""Clients, their users and the members of their teams."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.clients import Client, Member, User


class ClientRepository(Protocol):
    async def add(self, client: Client) -> None: ...

    async def get(self, client_id: ClientId) -> Client:
        """Raises `NotFound`."""
        ...

    async def get_for_update(self, client_id: ClientId) -> Client:
        """`get`, holding the client's row until the unit of work ends (see `arco_ports.unit_of_work`)."""
        ...

    async def update(self, client: Client) -> None: ...

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        """Clients on a paid tier whose subscription has been past due since `cutoff` or earlier."""
        ...

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        """The client whose payment-provider customer this is, if any (within the unit's scope)."""
        ...

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        """Clients in id order, `limit` at most, after the cursor `after` (staff use)."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises `Conflict` when the e-mail address is taken."""
        ...

    async def get(self, user_id: UserId) -> User:
        """Raises `NotFound`."""
        ...

    async def find_by_email(self, email: str) -> User | None: ...


class MemberRepository(Protocol):
    async def add(self, member: Member) -> None:
        """Raises `Conflict` when the client already has a member with that e-mail."""
        ...

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member: ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]: ...

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None: ...

    async def of_user(self, user_id: UserId) -> Member | None:
        """The seat a user holds on a client's team (which client, and in what role), if any."""
        ...


class ClientArea(Protocol):
    @property
    def clients(self) -> ClientRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def members(self) -> MemberRepository: ...
