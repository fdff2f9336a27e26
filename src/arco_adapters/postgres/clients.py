"""PostgreSQL clients, users and team members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, cast, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import ClientId, MemberId, UserId
from arco_domain.model.clients import (
    BillingAccount,
    Client,
    Member,
    MemberRole,
    MemberStatus,
    SubscriptionStatus,
    User,
    UserType,
)
from arco_domain.model.notifications import Language
from arco_domain.model.quotas import BillingPeriod
from arco_domain.model.tiers import Resource, Tier


def _client(row: Row[Any]) -> Client:
    period = None
    if row.billing_period_start is not None:
        period = BillingPeriod(row.billing_period_start, row.billing_period_end)
    return Client(
        id=ClientId(row.id),
        name=row.name,
        tier=Tier(row.tier),
        created_at=row.created_at,
        custom_limits={Resource(k): v for k, v in row.custom_limits.items()},
        billing_period=period,
        subscription_status=SubscriptionStatus(row.subscription_status) if row.subscription_status else None,
        billing=_billing(row),
        time_zone=row.time_zone,
    )


def _billing(row: Row[Any]) -> BillingAccount | None:
    if row.stripe_customer_id is None:
        return None
    return BillingAccount(
        customer_id=row.stripe_customer_id,
        subscription_id=row.stripe_subscription_id,
        observed_at=row.subscription_observed_at,
        past_due_since=row.past_due_since,
        cancel_at_period_end=row.cancel_at_period_end,
    )


def _client_values(client: Client) -> dict[str, Any]:
    period, billing = client.billing_period, client.billing
    return {
        "name": client.name,
        "tier": client.tier.value,
        "custom_limits": {r.value: v for r, v in client.custom_limits.items()},
        "billing_period_start": period.start if period else None,
        "billing_period_end": period.end if period else None,
        "subscription_status": client.subscription_status.value if client.subscription_status else None,
        "stripe_customer_id": billing.customer_id if billing else None,
        "stripe_subscription_id": billing.subscription_id if billing else None,
        "subscription_observed_at": billing.observed_at if billing else None,
        "past_due_since": billing.past_due_since if billing else None,
        "cancel_at_period_end": billing.cancel_at_period_end if billing else False,
        "time_zone": client.time_zone,
    }


class PostgresClientRepository(Repository):
    async def add(self, client: Client) -> None:
        await self._run(insert(t.clients).values(id=client.id, created_at=client.created_at, **_client_values(client)))

    def _one_of(self, client_id: ClientId) -> Select[Any]:
        return select(t.clients).where(t.clients.c.id == client_id)

    async def get(self, client_id: ClientId) -> Client:
        return _client(await self._one(self._one_of(client_id), "client", client_id))

    async def get_for_update(self, client_id: ClientId) -> Client:
        return _client(await self._one(locked(self._one_of(client_id)), "client", client_id))

    async def update(self, client: Client) -> None:
        statement = (
            update(t.clients).where(t.clients.c.id == client.id).values(updated_at=func.now(), **_client_values(client))
        )
        await self._must_change(statement, "client", client.id)

    async def past_due_before(self, cutoff: datetime) -> Sequence[Client]:
        c = t.clients.c
        query = select(t.clients).where(c.tier != Tier.FREE.value, c.past_due_since <= cutoff)
        return [_client(row) for row in await self._all(query)]

    async def find_by_billing_customer(self, customer_id: str) -> Client | None:
        row = (await self._run(select(t.clients).where(t.clients.c.stripe_customer_id == customer_id))).first()
        return None if row is None else _client(row)

    async def list_all(self, *, limit: int, after: ClientId | None = None) -> Sequence[Client]:
        query = select(t.clients).order_by(t.clients.c.id).limit(limit)
        if after is not None:
            query = query.where(t.clients.c.id > after)
        return [_client(row) for row in await self._all(query)]


def _user(row: Row[Any]) -> User:
    return User(
        id=UserId(row.id),
        email=row.email,
        user_type=UserType(row.user_type),
        created_at=row.created_at,
        full_name=row.full_name,
        password_hash=row.password_hash,
        language=Language(row.language),
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "user_type": user.user_type.value,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "language": user.language.value,
    }


class PostgresUserRepository(Repository):
    """Users as the agency's role reaches them: the table itself, password hashes included."""

    async def add(self, user: User) -> None:
        await self._run(insert(t.users).values(**_user_values(user)))

    async def get(self, user_id: UserId) -> User:
        return _user(await self._one(select(t.users).where(t.users.c.id == user_id), "user", user_id))

    async def find_by_email(self, email: str) -> User | None:
        row = (await self._run(select(t.users).where(t.users.c.email == email))).first()
        return None if row is None else _user(row)


class PostgresScopedUserRepository(Repository):
    """Users as a client-scoped transaction reaches them, without any grant on the table: the database's
    narrow functions read one user by id or e-mail with the password hash left out, and register client users
    only (never staff)."""

    async def add(self, user: User) -> None:
        fields = {name: None if value is None else str(value) for name, value in _user_values(user).items()}
        await self._run(select(func.arco_register_user(cast(fields, JSONB))))

    async def get(self, user_id: UserId) -> User:
        found = func.arco_user_by_id(user_id).table_valued(*t.users.c)
        return _user(await self._one(select(found), "user", user_id))

    async def find_by_email(self, email: str) -> User | None:
        row = (await self._run(select(func.arco_user_by_email(email).table_valued(*t.users.c)))).first()
        return None if row is None else _user(row)


def _member(row: Row[Any]) -> Member:
    return Member(
        id=MemberId(row.id),
        client_id=ClientId(row.client_id),
        email=row.email,
        role=MemberRole(row.role),
        status=MemberStatus(row.status),
        created_at=row.created_at,
        user_id=UserId(row.user_id) if row.user_id else None,
        full_name=row.full_name,
    )


class PostgresMemberRepository(Repository):
    async def add(self, member: Member) -> None:
        await self._run(
            insert(t.members).values(
                id=member.id,
                client_id=member.client_id,
                user_id=member.user_id,
                email=member.email,
                role=member.role.value,
                status=member.status.value,
                full_name=member.full_name,
                created_at=member.created_at,
            )
        )

    async def get(self, client_id: ClientId, member_id: MemberId) -> Member:
        query = select(t.members).where(t.members.c.client_id == client_id, t.members.c.id == member_id)
        return _member(await self._one(query, "member", member_id))

    async def list_for_client(self, client_id: ClientId) -> Sequence[Member]:
        query = select(t.members).where(t.members.c.client_id == client_id).order_by(t.members.c.created_at)
        return [_member(row) for row in await self._all(query)]

    async def remove(self, client_id: ClientId, member_id: MemberId) -> None:
        statement = delete(t.members).where(t.members.c.client_id == client_id, t.members.c.id == member_id)
        await self._must_change(statement, "member", member_id)

    async def of_user(self, user_id: UserId) -> Member | None:
        found = (await self._run(select(t.members).where(t.members.c.user_id == user_id))).first()
        return None if found is None else _member(found)


class PostgresClientArea(UnitConnection):
    @cached_property
    def clients(self) -> PostgresClientRepository:
        return PostgresClientRepository(self._open_connection)

    @cached_property
    def users(self) -> PostgresUserRepository | PostgresScopedUserRepository:
        """The agency's units reach the users table; a client's unit only the database's narrow functions."""
        if self._scope.client_id is None:
            return PostgresUserRepository(self._open_connection)
        return PostgresScopedUserRepository(self._open_connection)

    @cached_property
    def members(self) -> PostgresMemberRepository:
        return PostgresMemberRepository(self._open_connection)
