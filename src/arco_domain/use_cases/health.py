"""Operational checks."""

from __future__ import annotations

from uuid import UUID

from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope
from arco_domain.use_cases.base import UseCase

_NOBODY = ClientId(UUID(int=0))


class CheckReadiness(UseCase):
    """Open a unit of work and read through it: the store is reachable and answering."""

    async def __call__(self) -> None:
        async with self._uow(DataScope.of_client(_NOBODY)) as uow:
            await uow.clients.list_all(limit=1)
