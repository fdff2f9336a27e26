"""One controller per area."""

from __future__ import annotations

from arco_entrypoints.http.controllers.accounts import AuthController, MeController
from arco_entrypoints.http.controllers.admin import AdminController
from arco_entrypoints.http.controllers.billing import BillingController, StripeWebhookController
from arco_entrypoints.http.controllers.campaigns import CampaignController
from arco_entrypoints.http.controllers.dashboard import DashboardController
from arco_entrypoints.http.controllers.domains import DomainController
from arco_entrypoints.http.controllers.health import HealthController
from arco_entrypoints.http.controllers.members import MemberController
from arco_entrypoints.http.controllers.projects import ProjectController
from arco_entrypoints.http.controllers.tickets import TicketController

CONTROLLERS = [
    BillingController,
    StripeWebhookController,
    HealthController,
    AuthController,
    MeController,
    DashboardController,
    ProjectController,
    DomainController,
    CampaignController,
    TicketController,
    MemberController,
    AdminController,
]
