"""Domain-name use-cases."""

from __future__ import annotations

from arco_domain.ids import ClientId, DomainId, ProjectId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.domains import Domain, DomainStatus, SslStatus, normalize_domain_name
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import UseCase, release_stock, take_quota


class AddDomain(UseCase):
    """Put a domain under ARCO's management for a client, within its domain quota."""

    async def __call__(
        self, principal: Principal, client_id: ClientId, *, name: str, project_id: ProjectId | None = None
    ) -> Domain:
        client_id = principal.client_in_reach(client_id)
        now = self._clock.now()
        domain = Domain(
            id=DomainId(self._ids.new_id()), client_id=client_id, name=normalize_domain_name(name),
            status=DomainStatus.PENDING, nameservers=(), ssl_status=SslStatus.PENDING, ssl_expires_on=None,
            renewal_date=None, project_id=project_id, created_at=now,
        )  # fmt: skip
        async with self._uow(DataScope.of_client(client_id)) as uow:
            client = await uow.clients.get(client_id)
            if project_id is not None:
                await uow.projects.get(client_id, project_id)
            await take_quota(uow, client, Resource.DOMAINS, 1, now)
            await uow.domains.add(domain)
            await uow.commit()
        return domain


class RemoveDomain(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, domain_id: DomainId) -> None:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            await uow.domains.remove(client_id, domain_id)
            await release_stock(uow, client_id, Resource.DOMAINS, 1)
            await uow.commit()


class ListDomains(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[Domain]:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            domains = await uow.domains.list_for_client(client_id)
        return paginate(domains, page, lambda d: d.id)


class GetDomain(UseCase):
    async def __call__(self, principal: Principal, client_id: ClientId, domain_id: DomainId) -> Domain:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            return await uow.domains.get(client_id, domain_id)


class AssignDomainToProject(UseCase):
    """Attach a domain to one of the client's projects, or detach it with `None`."""

    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, *, project_id: ProjectId | None
    ) -> Domain:
        client_id = principal.client_in_reach(client_id)
        async with self._uow(DataScope.of_client(client_id)) as uow:
            domain = await uow.domains.get(client_id, domain_id)
            if project_id is not None:
                await uow.projects.get(client_id, project_id)
            domain.project_id = project_id
            await uow.domains.update(domain)
            await uow.commit()
        return domain
