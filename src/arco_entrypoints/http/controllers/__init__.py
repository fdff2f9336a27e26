"""One controller per area."""

from __future__ import annotations

from arco_entrypoints.http.controllers.accounts import AuthController, MeController
from arco_entrypoints.http.controllers.health import HealthController
from arco_entrypoints.http.controllers.projects import ProjectController
from arco_entrypoints.http.controllers.tickets import TicketController

CONTROLLERS = [HealthController, AuthController, MeController, ProjectController, TicketController]
