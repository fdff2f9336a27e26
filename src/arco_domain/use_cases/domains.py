"""Domain-name use-cases: a client's domains, each with its zone at the DNS provider.

Adding a domain takes the client's quota and stores the domain first, then creates its zone at the
provider; when the provider refuses or cannot be reached, the domain is taken back out and the quota
returned, so a failed add leaves nothing behind. A zone the agency's DNS account already holds under that
name is never handed to a client: nothing proves the client owns it. Removing a domain deletes its zone
too, so the agency's account stops answering for a name it no longer manages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from arco_domain.errors import ArcoError, Conflict, Unavailable
from arco_domain.ids import ClientId, DomainId, ProjectId
from arco_domain.model.access import Capability, DataScope, Principal
from arco_domain.model.dns import CertificateState, DnsZone
from arco_domain.model.domains import (
    STRICT_NAMES,
    ClientDomainPolicy,
    Domain,
    DomainStatus,
    HostnameStatus,
    SslStatus,
    client_domain_name,
)
from arco_domain.model.paging import Page, PageRequest, paginate
from arco_domain.model.tiers import Resource
from arco_domain.use_cases.base import release_stock, take_quota
from arco_domain.use_cases.dns import ReconcileDnsRecords
from arco_ports.clock import Clock, IdGenerator
from arco_ports.dns import DnsProvider
from arco_ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("arco.dns")


def _with_zone(domain: Domain, zone: DnsZone) -> Domain:
    status = (
        DomainStatus.ACTIVE
        if zone.status is HostnameStatus.ACTIVE and domain.status is DomainStatus.PENDING
        else domain.status
    )
    return replace(
        domain, zone_id=zone.provider_id, nameservers=zone.nameservers, hostname_status=zone.status, status=status
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AddDomain:
    """Put a domain under ARCO's management for a client, within its domain quota, with its zone at the DNS
    provider; the domain returned carries the nameservers the client sets at its registrar. Reserved and
    internal names are refused by `client_domain_name` under `names`, the install's policy (strict unless told).
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    dns: DnsProvider
    names: ClientDomainPolicy = STRICT_NAMES

    async def __call__(
        self, principal: Principal, client_id: ClientId, *, name: str, project_id: ProjectId | None = None
    ) -> Domain:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        now = self.clock.now()
        domain = Domain(
            id=DomainId(self.ids.new_id()), client_id=client_id, name=client_domain_name(name, self.names),
            status=DomainStatus.PENDING, nameservers=(), ssl_status=SslStatus.PENDING, ssl_expires_on=None,
            renewal_date=None, project_id=project_id, created_at=now,
        )  # fmt: skip
        async with self.uow(scope) as uow:
            client = await uow.clients.get(client_id)
            if project_id is not None:
                await uow.projects.get(client_id, project_id)
            await take_quota(uow, client, Resource.DOMAINS, 1, now)
            await uow.domains.add(domain)
            await uow.commit()
        try:
            if await self.dns.find_zone(domain.name) is not None:
                raise Conflict(f"the DNS provider already holds a zone for {domain.name}; the agency must release it")
            zone = await self.dns.create_zone(domain.name)
        except BaseException:
            await self._take_back(scope, domain)
            raise
        async with self.uow(scope) as uow:
            # Read again: the provider's answer took a while, and only its fields are ours to set.
            stored = await uow.domains.get_for_update(client_id, domain.id)
            domain = replace(_with_zone(stored, zone), provider_checked_at=self.clock.now())
            await uow.domains.update(domain)
            await uow.commit()
        return domain

    async def _take_back(self, scope: DataScope, domain: Domain) -> None:
        async with self.uow(scope) as uow:
            await uow.domains.remove(domain.client_id, domain.id)
            await release_stock(uow, domain.client_id, Resource.DOMAINS, 1)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshDomainStatus:
    """Read a domain's zone and certificate state from the DNS provider.

    The zone's state (`hostname_status`, nameservers) and the certificate's (`ssl_status`, expiry) are read
    separately, both only from the provider's answers. When the provider cannot be asked, nothing about the
    domain is marked failed: its last known states stay and `provider_unreachable_since` records since when.
    A domain without a zone (one whose zone could not be made when it was added) gets it now.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    dns: DnsProvider

    async def __call__(self, principal: Principal | None, client_id: ClientId, domain_id: DomainId) -> Domain:
        if principal is not None:
            principal.require(Capability.EDIT_CLIENT_AREAS)
            client_id = principal.client_in_reach(client_id)
        scope = DataScope.of_client(client_id)
        async with self.uow(scope) as uow:
            domain = await uow.domains.get(client_id, domain_id)
        answer: tuple[DnsZone, CertificateState] | None
        try:
            zone = await (self._zone_for(domain) if domain.zone_id is None else self.dns.zone(domain.zone_id))
            answer = zone, await self.dns.certificate(zone.provider_id, domain.name)
        except Unavailable:
            answer = None
        now = self.clock.now()
        async with self.uow(scope) as uow:
            # Read again, so a change made while the provider was asked (a project assigned) is kept.
            current = await uow.domains.get_for_update(client_id, domain_id)
            if answer is None:
                refreshed = replace(current, provider_unreachable_since=current.provider_unreachable_since or now)
            else:
                zone, certificate = answer
                refreshed = replace(
                    _with_zone(current, zone), ssl_status=certificate.status, ssl_expires_on=certificate.expires_on,
                    provider_checked_at=now, provider_unreachable_since=None,
                )  # fmt: skip
            await uow.domains.update(refreshed)
            await uow.commit()
        return refreshed

    async def _zone_for(self, domain: Domain) -> DnsZone:
        """The domain's zone, made now. Only for a domain ARCO already stores for its client (names are unique
        across clients), so a zone found under its name is one an earlier, interrupted add made for it."""
        return await self.dns.find_zone(domain.name) or await self.dns.create_zone(domain.name)


@dataclass(frozen=True, slots=True)
class DomainUpkeep:
    """What one daily pass over every domain did."""

    domains: int
    drift_reported: int
    failed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepDomainsInStep:
    """The daily pass: each domain's zone and certificate state read again, and its records reconciled.

    One domain's failure (its provider unreachable, its zone gone) is logged and the pass goes on; each
    domain is its own units of work, and the pass as a whole can run again at any time.
    """

    uow: UnitOfWorkFactory
    refresh: RefreshDomainStatus
    reconcile: ReconcileDnsRecords

    async def __call__(self) -> DomainUpkeep:
        async with self.uow(DataScope.all_clients()) as uow:
            domains = [(d.client_id, d.id) for d in await uow.domains.list_all()]
        drift = failed = 0
        for client_id, domain_id in domains:
            try:
                refreshed = await self.refresh(None, client_id, domain_id)
                if refreshed.zone_id is not None:
                    drift += len(await self.reconcile(None, client_id, domain_id))
            except ArcoError:
                failed += 1
                log.exception("domain upkeep failed for domain %s of client %s", domain_id, client_id)
        return DomainUpkeep(domains=len(domains), drift_reported=drift, failed=failed)


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveDomain:
    """Stop managing a domain: its records, its quota seat, and its zone at the DNS provider go.

    ARCO lets go first; a zone the provider then fails to delete is logged for the agency to remove, and
    until it does, no client can add the name again (see `AddDomain`)."""

    uow: UnitOfWorkFactory
    dns: DnsProvider

    async def __call__(self, principal: Principal, client_id: ClientId, domain_id: DomainId) -> None:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            domain = await uow.domains.get(client_id, domain_id)
            await uow.domains.remove(client_id, domain_id)
            await release_stock(uow, client_id, Resource.DOMAINS, 1)
            await uow.commit()
        if domain.zone_id is not None:
            try:
                await self.dns.delete_zone(domain.zone_id)
            except ArcoError:
                log.exception(
                    "the zone %s of the removed domain %s is left at the DNS provider", domain.zone_id, domain.name
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class ListDomains:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, page: PageRequest) -> Page[Domain]:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            domains = await uow.domains.list_for_client(client_id)
        return paginate(domains, page, lambda d: d.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDomain:
    uow: UnitOfWorkFactory

    async def __call__(self, principal: Principal, client_id: ClientId, domain_id: DomainId) -> Domain:
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            return await uow.domains.get(client_id, domain_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignDomainToProject:
    """Attach a domain to one of the client's projects, or detach it with `None`."""

    uow: UnitOfWorkFactory

    async def __call__(
        self, principal: Principal, client_id: ClientId, domain_id: DomainId, *, project_id: ProjectId | None
    ) -> Domain:
        principal.require(Capability.EDIT_CLIENT_AREAS)
        client_id = principal.client_in_reach(client_id)
        async with self.uow(DataScope.of_client(client_id)) as uow:
            domain = await uow.domains.get_for_update(client_id, domain_id)
            if project_id is not None:
                await uow.projects.get(client_id, project_id)
            domain.project_id = project_id
            await uow.domains.update(domain)
            await uow.commit()
        return domain
