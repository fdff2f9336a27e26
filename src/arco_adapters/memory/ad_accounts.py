"""Memory ad accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from arco_adapters.memory.scoped import Scoped, ScopedUnit
from arco_domain.errors import Conflict
from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.ad_accounts import AdAccount, AdAccountStatus


class MemoryAdAccountRepository(Scoped):
    kind = "ad_account"

    async def add(self, account: AdAccount) -> None:
        if await self.find(account.client_id, account.platform, account.external_id) is not None:
            raise Conflict(f"the {account.platform} account {account.external_id} is already connected")
        self._insert(account)

    async def get(self, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        account: AdAccount = self._table.get(account_id, self._mine(client_id))
        return account

    get_for_update = get

    async def find(self, client_id: ClientId, platform: str, external_id: str) -> AdAccount | None:
        mine = self._mine(client_id)
        found = self._table.select(lambda a: mine(a) and (a.platform, a.external_id) == (platform, external_id))
        return next(iter(found), None)

    async def list_for_client(self, client_id: ClientId) -> Sequence[AdAccount]:
        return sorted(self._table.select(self._mine(client_id)), key=lambda a: (a.platform, a.external_id))

    async def list_connected(self) -> Sequence[AdAccount]:
        connected = self._table.select(lambda a: self._visible(a) and a.status is AdAccountStatus.CONNECTED)
        return sorted(connected, key=lambda a: (str(a.client_id), a.platform, a.external_id))

    async def record_sync(
        self, client_id: ClientId, account_id: AdAccountId, *, synced_at: datetime | None, error: str | None
    ) -> None:
        mine = self._mine(client_id)
        for account in self._table.select(
            lambda a: mine(a) and a.id == account_id and a.status is AdAccountStatus.CONNECTED
        ):
            last = account.last_synced_at if synced_at is None else synced_at
            self._table.put(account.id, replace(account, last_synced_at=last, last_sync_error=error))

    async def update(self, account: AdAccount) -> None:
        stored: AdAccount = self._table.get(account.id, self._mine(account.client_id))
        # The platform and its account id are what the client connected: an update never changes them.
        self._table.put(account.id, replace(account, platform=stored.platform, external_id=stored.external_id))


class MemoryAdAccountArea(ScopedUnit):
    @cached_property
    def ad_accounts(self) -> MemoryAdAccountRepository:
        return MemoryAdAccountRepository(self._store, self._scope)
