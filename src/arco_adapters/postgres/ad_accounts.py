"""PostgreSQL ad accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, func, insert, select, update

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.repository import Repository, UnitConnection, locked
from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.ad_accounts import AdAccount, AdAccountStatus
from arco_domain.model.tiers import CampaignPlatform

KIND = "ad_account"


def _account(row: Row[Any]) -> AdAccount:
    return AdAccount(
        id=AdAccountId(row.id),
        client_id=ClientId(row.client_id),
        platform=CampaignPlatform(row.platform),
        external_id=row.external_id,
        login_customer_id=row.login_customer_id,
        sealed_grant=bytes(row.sealed_grant),
        status=AdAccountStatus(row.status),
        connected_at=row.connected_at,
        last_synced_at=row.last_synced_at,
        last_sync_error=row.last_sync_error,
    )


def _values(account: AdAccount) -> dict[str, Any]:
    return {
        "login_customer_id": account.login_customer_id,
        "sealed_grant": account.sealed_grant,
        "status": account.status.value,
        "connected_at": account.connected_at,
        "last_synced_at": account.last_synced_at,
        "last_sync_error": account.last_sync_error,
    }


class PostgresAdAccountRepository(Repository):
    async def add(self, account: AdAccount) -> None:
        await self._run(
            insert(t.ad_accounts).values(
                id=account.id,
                client_id=account.client_id,
                platform=account.platform.value,
                external_id=account.external_id,
                **_values(account),
            )
        )

    def _one_of(self, client_id: ClientId, account_id: AdAccountId) -> Select[Any]:
        a = t.ad_accounts.c
        return select(t.ad_accounts).where(a.client_id == client_id, a.id == account_id)

    async def get(self, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        return _account(await self._one(self._one_of(client_id, account_id), KIND, account_id))

    async def get_for_update(self, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        return _account(await self._one(locked(self._one_of(client_id, account_id)), KIND, account_id))

    async def find(self, client_id: ClientId, platform: str, external_id: str) -> AdAccount | None:
        a = t.ad_accounts.c
        query = select(t.ad_accounts).where(
            a.client_id == client_id, a.platform == platform, a.external_id == external_id
        )
        row = (await self._run(query)).first()
        return None if row is None else _account(row)

    async def list_for_client(self, client_id: ClientId) -> Sequence[AdAccount]:
        a = t.ad_accounts.c
        query = select(t.ad_accounts).where(a.client_id == client_id).order_by(a.platform, a.external_id)
        return [_account(row) for row in await self._all(query)]

    async def list_connected(self) -> Sequence[AdAccount]:
        a = t.ad_accounts.c
        # Row-level security scopes it to what the unit of work may see.
        query = (
            select(t.ad_accounts)
            .where(a.status == AdAccountStatus.CONNECTED.value)
            .order_by(a.client_id, a.platform, a.external_id)
        )
        return [_account(row) for row in await self._all(query)]

    async def record_sync(
        self, client_id: ClientId, account_id: AdAccountId, *, synced_at: datetime | None, error: str | None
    ) -> None:
        a = t.ad_accounts.c
        outcome: dict[str, Any] = {"last_sync_error": error}
        if synced_at is not None:
            outcome["last_synced_at"] = synced_at
        statement = (
            update(t.ad_accounts)
            .where(a.client_id == client_id, a.id == account_id, a.status == AdAccountStatus.CONNECTED.value)
            .values(updated_at=func.now(), **outcome)
        )
        await self._run(statement)

    async def update(self, account: AdAccount) -> None:
        a = t.ad_accounts.c
        statement = (
            update(t.ad_accounts)
            .where(a.client_id == account.client_id, a.id == account.id)
            .values(updated_at=func.now(), **_values(account))
        )
        await self._must_change(statement, KIND, account.id)


class PostgresAdAccountArea(UnitConnection):
    @cached_property
    def ad_accounts(self) -> PostgresAdAccountRepository:
        return PostgresAdAccountRepository(self._open_connection)
