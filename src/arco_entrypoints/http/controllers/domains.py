"""Domains and their DNS records."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from arco_domain.ids import DnsRecordId, DomainId, ProjectId
from arco_domain.model.access import Principal
from arco_domain.use_cases.dns import (
    AddDnsRecord,
    DeleteDnsRecord,
    GetDnsDrift,
    ListDnsRecords,
    ReconcileDnsRecords,
    UpdateDnsRecord,
)
from arco_domain.use_cases.domains import (
    AddDomain,
    AssignDomainToProject,
    GetDomain,
    ListDomains,
    RefreshDomainStatus,
    RemoveDomain,
)
from arco_entrypoints.http.paging import DEFAULT_PAGE_SIZE, PageSize, page_out, page_request
from arco_entrypoints.http.schemas.base import Page
from arco_entrypoints.http.schemas.domains import (
    DnsDrift,
    DnsRecord,
    DnsRecordCreate,
    DnsRecordUpdate,
    Domain,
    DomainCreate,
    DomainUpdate,
)


def _project(project_id: UUID | None) -> ProjectId | None:
    return None if project_id is None else ProjectId(project_id)


class DomainController(Controller):
    path = "/v1/domains"
    tags = ["domains"]

    @get("/", operation_id="listDomains")
    async def list_domains(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        list_domains: NamedDependency[ListDomains],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[Domain]:
        """The caller's domains, oldest first."""
        page = await list_domains(caller, caller.own_client(), page_request(limit, cursor))
        return page_out(page, lambda domain: Domain.from_entity(domain, now))

    @post("/", operation_id="addDomain")
    async def add_domain(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        data: JSONBody[DomainCreate],
        add_domain: NamedDependency[AddDomain],
    ) -> Domain:
        """Put a domain under management, within the tier's domain quota (`409 quota-exceeded` past it), with
        its zone at the DNS provider: the answer's `nameservers` are the ones to set at the registrar.

        Unicode names are stored in their ASCII (punycode) form; a name another client manages, or one the
        agency's DNS account already holds a zone for, is a `409`. When the DNS provider refuses the zone or
        cannot be reached, nothing is kept (`422` / `503`).
        """
        domain = await add_domain(caller, caller.own_client(), name=data.name, project_id=_project(data.project_id))
        return Domain.from_entity(domain, now)

    @get("/{domain_id:uuid}", operation_id="getDomain")
    async def get_domain(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        get_domain: NamedDependency[GetDomain],
    ) -> Domain:
        return Domain.from_entity(await get_domain(caller, caller.own_client(), DomainId(domain_id)), now)

    @patch("/{domain_id:uuid}", operation_id="updateDomain")
    async def update_domain(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        data: JSONBody[DomainUpdate],
        assign_domain_to_project: NamedDependency[AssignDomainToProject],
    ) -> Domain:
        """Attach the domain to one of the caller's projects, or detach it with `"project_id": null`."""
        domain = await assign_domain_to_project(
            caller, caller.own_client(), DomainId(domain_id), project_id=_project(data.project_id)
        )
        return Domain.from_entity(domain, now)

    @delete("/{domain_id:uuid}", operation_id="removeDomain")
    async def remove_domain(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        remove_domain: NamedDependency[RemoveDomain],
    ) -> None:
        """Stop managing a domain: its DNS records and its zone at the DNS provider go, and its seat in the
        quota is freed. Point the domain's nameservers elsewhere first."""
        await remove_domain(caller, caller.own_client(), DomainId(domain_id))

    @post("/{domain_id:uuid}/refresh", operation_id="refreshDomainStatus", status_code=200)
    async def refresh_domain_status(
        self,
        now: NamedDependency[datetime],
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        refresh_domain_status: NamedDependency[RefreshDomainStatus],
    ) -> Domain:
        """Ask the DNS provider now for the zone's and the certificate's state (the worker does so daily).

        A provider that cannot be asked changes no status: `provider_unreachable_since` is set instead.
        """
        domain = await refresh_domain_status(caller, caller.own_client(), DomainId(domain_id))
        return Domain.from_entity(domain, now)

    @get("/{domain_id:uuid}/dns-drift", operation_id="getDnsDrift")
    async def get_dns_drift(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        get_dns_drift: NamedDependency[GetDnsDrift],
    ) -> list[DnsDrift]:
        """What the last reconciliation with the DNS provider found and left to the client."""
        drift = await get_dns_drift(caller, caller.own_client(), DomainId(domain_id))
        return [DnsDrift.from_entity(item) for item in drift]

    @post("/{domain_id:uuid}/dns-reconciliation", operation_id="reconcileDnsRecords", status_code=200)
    async def reconcile_dns_records(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        reconcile_dns_records: NamedDependency[ReconcileDnsRecords],
    ) -> list[DnsDrift]:
        """Compare ARCO's records with the DNS provider's now (the worker does so daily): records added or
        edited outside ARCO are adopted (and audited); what cannot be adopted is reported and returned."""
        drift = await reconcile_dns_records(caller, caller.own_client(), DomainId(domain_id))
        return [DnsDrift.from_entity(item) for item in drift]

    @get("/{domain_id:uuid}/dns-records", operation_id="listDnsRecords")
    async def list_dns_records(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        list_dns_records: NamedDependency[ListDnsRecords],
        limit: PageSize = DEFAULT_PAGE_SIZE,
        cursor: FromQuery[str | None] = None,
    ) -> Page[DnsRecord]:
        """The domain's DNS records, oldest first."""
        page = await list_dns_records(caller, caller.own_client(), DomainId(domain_id), page_request(limit, cursor))
        return page_out(page, DnsRecord.from_entity)

    @post("/{domain_id:uuid}/dns-records", operation_id="addDnsRecord")
    async def add_dns_record(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        data: JSONBody[DnsRecordCreate],
        add_dns_record: NamedDependency[AddDnsRecord],
    ) -> DnsRecord:
        """Add a record, checked for its type (`422` naming the field) and against the domain's other
        records (`409` for a duplicate, or a CNAME sharing its name)."""
        record = await add_dns_record(
            caller, caller.own_client(), DomainId(domain_id), type=data.type, name=data.name, content=data.content,
            ttl=data.ttl, priority=data.priority, proxied=data.proxied,
        )  # fmt: skip
        return DnsRecord.from_entity(record)

    @patch("/{domain_id:uuid}/dns-records/{record_id:uuid}", operation_id="updateDnsRecord")
    async def update_dns_record(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        record_id: FromPath[UUID],
        data: JSONBody[DnsRecordUpdate],
        update_dns_record: NamedDependency[UpdateDnsRecord],
    ) -> DnsRecord:
        """Change a record's name, content, ttl, priority or proxying, under the same checks as adding."""
        record = await update_dns_record(
            caller, caller.own_client(), DomainId(domain_id), DnsRecordId(record_id), name=data.name,
            content=data.content, ttl=data.ttl, priority=data.priority, proxied=data.proxied,
        )  # fmt: skip
        return DnsRecord.from_entity(record)

    @delete("/{domain_id:uuid}/dns-records/{record_id:uuid}", operation_id="deleteDnsRecord")
    async def delete_dns_record(
        self,
        caller: NamedDependency[Principal],
        domain_id: FromPath[UUID],
        record_id: FromPath[UUID],
        delete_dns_record: NamedDependency[DeleteDnsRecord],
    ) -> None:
        await delete_dns_record(caller, caller.own_client(), DomainId(domain_id), DnsRecordId(record_id))
