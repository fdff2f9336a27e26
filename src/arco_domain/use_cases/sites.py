"""The sites in production across every client, listed for the scheduled jobs that probe them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.monitoring import WATCHED_STATUSES, site_url
from arco_ports.unit_of_work import UnitOfWork

_CLIENT_PAGE = 100


@dataclass(frozen=True, slots=True)
class WatchedSite:
    client_id: ClientId
    project_id: ProjectId
    url: str


async def watched_sites(uow: UnitOfWork) -> Sequence[WatchedSite]:
    """Every site `site_url` watches among the clients `uow` may see (all of them, for a scheduled job)."""
    sites: list[WatchedSite] = []
    async for client_id in _client_ids(uow):
        projects = await uow.projects.list_for_client(client_id)
        if not any(p.status in WATCHED_STATUSES for p in projects):
            continue  # spares the domains query for clients with nothing in production
        domains = await uow.domains.list_for_client(client_id)
        for project in projects:
            url = site_url(project, domains)
            if url is not None:
                sites.append(WatchedSite(client_id, project.id, url))
    return sites


async def _client_ids(uow: UnitOfWork) -> AsyncIterator[ClientId]:
    after: ClientId | None = None
    while True:
        page = await uow.clients.list_all(limit=_CLIENT_PAGE, after=after)
        for client in page:
            yield client.id
        if len(page) < _CLIENT_PAGE:
            return
        after = page[-1].id
