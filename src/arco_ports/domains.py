"""The domains ARCO manages for its clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from arco_domain.ids import ClientId, DomainId
from arco_domain.model.domains import Domain


class DomainRepository(Protocol):
    async def add(self, domain: Domain) -> None:
        """Raises `Conflict` when the name is already managed by ARCO (for any client)."""
        ...

    async def get(self, client_id: ClientId, domain_id: DomainId) -> Domain: ...

    async def get_for_update(self, client_id: ClientId, domain_id: DomainId) -> Domain:
        """`get`, holding the domain's row until the unit of work ends. The domain is also what a unit locks to
        change the domain's DNS records, so that a change checked against the other records stays valid."""
        ...

    async def list_for_client(self, client_id: ClientId) -> Sequence[Domain]: ...

    async def list_all(self) -> Sequence[Domain]:
        """Every domain the unit may see (every client's, for a scheduled job), by client id then name."""
        ...

    async def update(self, domain: Domain) -> None: ...

    async def remove(self, client_id: ClientId, domain_id: DomainId) -> None: ...


class DomainArea(Protocol):
    @property
    def domains(self) -> DomainRepository: ...
