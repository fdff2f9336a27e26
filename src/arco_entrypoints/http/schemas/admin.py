"""Admin bodies: a client as the agency sees it, and staff changes to its plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import msgspec

from arco_domain.model.clients import Client as ClientEntity
from arco_domain.model.quotas import QuotaStatus
from arco_domain.model.tiers import Resource, Tier
from arco_entrypoints.http.schemas.accounts import Client, Quota
from arco_entrypoints.http.schemas.base import Schema

Limit = Annotated[int, msgspec.Meta(ge=0)]


class ClientDetail(Schema):
    client: Client
    usage: list[Quota]

    @classmethod
    def of(cls, client: ClientEntity, usage: Iterable[QuotaStatus]) -> ClientDetail:
        return cls(client=Client.from_entity(client), usage=[Quota.from_status(s) for s in usage])


class ClientUpdate(Schema):
    """A new tier, new contract limits (replacing the old ones; `null` means unlimited), or both."""

    tier: Tier | None = None
    custom_limits: dict[Resource, Limit | None] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tier is None and self.custom_limits is None:
            raise ValueError("name a `tier`, `custom_limits` or both")


class ClientChange(Schema):
    """The client after the change, and the resources it now holds more of than its limits allow."""

    client: Client
    over_limit: list[Quota]

    @classmethod
    def of(cls, client: ClientEntity, usage: Iterable[QuotaStatus]) -> ClientChange:
        over = [Quota.from_status(s) for s in usage if s.over_limit]
        return cls(client=Client.from_entity(client), over_limit=over)
