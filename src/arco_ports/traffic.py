"""Where a site's daily traffic comes from: the CDN's analytics (Cloudflare), or the sandbox."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from arco_domain.ids import ClientId, ProjectId
from arco_domain.model.network import DailyTraffic


class TrafficSource(Protocol):
    async def daily_traffic(
        self, client_id: ClientId, project_id: ProjectId, hostname: str, day: date
    ) -> DailyTraffic | None:
        """The traffic `hostname` served on the UTC calendar day `day`, as `client_id`'s `project_id`.

        None when the source has nothing for that day (a day still to come, or one it never saw). The
        figures of a day still going, and of the day before, may grow or be corrected by a later read:
        sources restate recent days, so callers re-read them. Raises `Unavailable` when the source cannot
        be reached or asks to be called later (transient), `ProviderError` when it refuses the request.
        """
        ...
