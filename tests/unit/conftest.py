from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.memory.clock import ManualClock
from arco_adapters.memory.sandbox_dns import MemorySandboxDnsStore
from arco_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from arco_adapters.system import Uuid7Generator
from arco_domain.ids import ClientId, ProjectId, UserId
from arco_domain.model.access import Principal
from arco_domain.model.clients import Client, MemberRole, UserType
from arco_domain.model.domains import Domain
from arco_domain.use_cases.clients import RegisterClient
from arco_domain.use_cases.domains import AddDomain, RefreshDomainStatus
from tests.use_case_ports import with_declared_ports

U = TypeVar("U")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class World:
    """Memory adapters plus a clock, shared by the use-cases under test."""

    uow: MemoryUnitOfWorkFactory
    clock: ManualClock
    ids: Uuid7Generator
    dns: SandboxDnsProvider = field(init=False)

    def __post_init__(self) -> None:
        self.dns = SandboxDnsProvider(MemorySandboxDnsStore(), clock=self.clock)

    def build(self, use_case: Callable[..., U], **extra: object) -> U:
        """`use_case` given those of the world's adapters its class declares, and `extra`."""
        ports = {"uow": self.uow, "clock": self.clock, "ids": self.ids, "dns": self.dns}
        return with_declared_ports(use_case, ports, **extra)

    async def register(self, email: str = "owner@example.com", company: str = "Acme") -> tuple[Client, Principal]:
        registration = await self.build(RegisterClient)(email=email, company_name=company)
        owner = Principal(registration.user.id, UserType.CLIENT, registration.client.id, client_role=MemberRole.OWNER)
        return registration.client, owner

    async def serve_domain(
        self, owner: Principal, client_id: ClientId, name: str, project_id: ProjectId | None = None
    ) -> Domain:
        """Add a domain and let its zone turn active, as it does once the registrar points at the DNS provider:
        only then is a project's site watched (see `site_url`)."""
        domain = await self.build(AddDomain)(owner, client_id, name=name, project_id=project_id)
        return await self.build(RefreshDomainStatus)(owner, client_id, domain.id)

    def staff(self, role: UserType = UserType.ADMIN) -> Principal:
        return Principal(UserId(self.ids.new_id()), role)


@pytest.fixture
def world() -> World:
    return World(MemoryUnitOfWorkFactory(), ManualClock(START), Uuid7Generator())
