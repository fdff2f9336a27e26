"""The client dashboard: every area's overview in one request."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from arco_domain.model.access import Principal
from arco_domain.use_cases.dashboard import GetDashboard
from arco_entrypoints.http.schemas.dashboard import Dashboard


class DashboardController(Controller):
    path = "/v1/dashboard"
    tags = ["dashboard"]

    @get("/", operation_id="getDashboard")
    async def get_dashboard(
        self, caller: NamedDependency[Principal], get_dashboard: NamedDependency[GetDashboard]
    ) -> Dashboard:
        """The caller's whole dashboard: quotas, projects, domains, infrastructure, this month's network,
        storage, tickets, performance, uptime, campaigns and business results, in a fixed number of queries."""
        return Dashboard.from_overview(await get_dashboard(caller, caller.own_client()))
