"""Connected ad accounts, and the box that keeps their grants encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.ad_accounts import AdAccount


class AdAccountRepository(Protocol):
    async def add(self, account: AdAccount) -> None:
        """Raises `Conflict` when the client already has the platform's account with that id."""
        ...

    async def get(self, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        """Raises `NotFound`."""
        ...

    async def get_for_update(self, client_id: ClientId, account_id: AdAccountId) -> AdAccount:
        """`get`, holding the account's row until the unit of work ends (see `arco_ports.unit_of_work`)."""
        ...

    async def find(self, client_id: ClientId, platform: str, external_id: str) -> AdAccount | None: ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[AdAccount]:
        """By platform, then account id."""
        ...

    async def list_connected(self) -> Sequence[AdAccount]:
        """Every connected account the unit may see (every client's, for the daily sync)."""
        ...

    async def update(self, account: AdAccount) -> None:
        """Raises `NotFound`."""
        ...

    async def record_sync(
        self, client_id: ClientId, account_id: AdAccountId, *, synced_at: datetime | None, error: str | None
    ) -> None:
        """Note a sync's outcome on a connected account: `synced_at` when it succeeded (None leaves the last
        success as it was), and its error or None. Only these fields change, so a sync that finishes after
        the account was disconnected or connected again with a new grant undoes neither."""
        ...


class AdAccountArea(Protocol):
    @property
    def ad_accounts(self) -> AdAccountRepository: ...


class SecretBox(Protocol):
    """Authenticated encryption for secrets kept in the database: what `open` returns is what `seal` was
    given. Sealed bytes that were altered, or sealed under a key the box no longer has, raise `ProviderError`
    (only ARCO's operators can restore the key; otherwise the client connects the account again)."""

    def seal(self, secret: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...
