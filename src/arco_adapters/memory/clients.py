"""Memory clients, users and team members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_adapters.memory.store import in_scope
from arco_domain.errors import Conflict, NotFound
from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.clients import Client, Member, User
from arco_domain.model.tiers import Tier


class MemoryClientRepository(Scoped):
    kind = "client"

    def _visible_client(self, client: Client) -> bool:
        return in_scope(self._scope, client.id)

    async def add(self, client: Client) -> None:
        if not self._visible_client(client):
            raise NotFound("client", client.id)
        self._table.put(client.id, client)

    async def get(self, client_id: ClientId) -> Client:
        client: Client = self._table.get(client_id, self._visible_client)
        return client

    get_for_update = get

    async def update(self, client: Client) -> None:
        await self.get(client.id)
        self._table.put(client.id, client)

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        def overdue(client: Client) -> bool:
            since = client.billing.past_due_since if client.billing else None
            return client.tier is not Tier.FREE and since is not None and since <= cutoff

        return list(self._table.select(lambda c: self._visible_client(c) and overdue(c)))

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        return next(
            self._table.select(
                lambda c: self._visible_client(c) and c.billing and c.billing.customer_id == customer_id
            ),
            None,
        )

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        rows = sorted(self._table.select(self._visible_client), key=lambda c: c.id)
        return [c for c in rows if after is None or c.id > after][:limit]


class MemoryUserRepository(Scoped):
    kind = "user"

    async def add(self, user: User) -> None:
        if await self.find_by_email(user.email) is not None:
            raise Conflict(f"a user with e-mail {user.email} exists")
        self._table.put(user.id, user)

    async def get(self, user_id: UserId) -> User:
        user: User = self._table.get(user_id, lambda _: True)
        return user

    async def find_by_email(self, email: str) -> User | None:
        return next(self._table.select(lambda u: u.email == email), None)


class MemoryMemberRepository(Scoped):
    kind = "member"

    async def add(self, member: Member) -> None:
        if any(self._table.select(lambda m: m.client_id == member.client_id and m.email == member.email)):
            raise Conflict(f"{member.email} is already on this team")
        self._insert(member)

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member:
        member: Member = self._table.get(member_id, self._mine(client_id))
        return member

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda m: m.created_at)

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None:
        self._table.pop(member_id, self._mine(client_id))

    async def of_user(self, user_id: UserId) -> Member | None:
        member: Member | None = next(self._table.select(lambda m: m.user_id == user_id and self._visible(m)), None)
        return member


class MemoryClientArea(ScopedUnit):
    @cached_property
    def clients(self) -> MemoryClientRepository:
        return MemoryClientRepository(self._store, self._scope)

    @cached_property
    def users(self) -> MemoryUserRepository:
        return MemoryUserRepository(self._store, self._scope)

    @cached_property
    def members(self) -> MemoryMemberRepository:
        return MemoryMemberRepository(self._store, self._scope)
