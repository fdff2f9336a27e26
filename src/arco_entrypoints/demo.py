"""A demo agency, so that a newcomer sees a full dashboard at once: one client on each tier with projects,
domains, tickets, a year of traffic and performance figures, and ad accounts connected on the sandbox
platforms with their first sync. Deterministic, and seeded once. Its domains are reserved `.example` names,
which resolve nowhere: no check of the demo's sites ever reaches a real one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import UserType
from arco_domain.model.money import Money
from arco_domain.model.network import DailyTraffic
from arco_domain.model.performance import PerformanceSample
from arco_domain.model.projects import Project, ProjectStatus
from arco_domain.model.tickets import TicketPriority, TicketStatus
from arco_domain.model.tiers import CampaignPlatform, Resource, Tier, plan_for
from arco_entrypoints.container import Container, UseCases
from arco_entrypoints.providing import resolve
from arco_ports.metrics import Measurement
from arco_ports.unit_of_work import UnitOfWorkFactory

DEMO_PASSWORD = "demo-password-2026"
STAFF_EMAIL = "admin@arco.demo"
COMPANIES = {
    Tier.FREE: "Padaria Aurora",
    Tier.BASIC: "Clínica Sorriso",
    Tier.PRO: "Loja Vento Sul",
    Tier.ENTERPRISE: "Grupo Horizonte",
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    tier: Tier | None


def demo_email(tier: Tier) -> str:
    return f"owner@{tier.value}.arco.demo"


async def seed_demo(container: Container, *, days: int = 365) -> list[DemoLogin] | None:
    """Seed the demo agency; `None` when it is already there."""
    use_cases = container.use_cases.container
    uow = await resolve(container.adapters.container.uow)
    async with uow(DataScope.all_clients()) as unit:
        if await unit.users.find_by_email(STAFF_EMAIL) is not None:
            return None
    create_staff = await resolve(use_cases.create_staff_user)
    admin = await create_staff(
        email=STAFF_EMAIL, user_type=UserType.ADMIN, full_name="Agency Admin", password=DEMO_PASSWORD
    )
    staff = Principal(admin.id, UserType.ADMIN)
    logins = [DemoLogin(STAFF_EMAIL, None)]
    for tier, company in COMPANIES.items():
        registration = await (await resolve(use_cases.register_client))(
            email=demo_email(tier), company_name=company, full_name=f"Owner of {company}", password=DEMO_PASSWORD
        )
        client_id = registration.client.id
        owner = Principal(registration.user.id, UserType.CLIENT, client_id, client_role=registration.owner.role)
        if tier is not Tier.FREE:
            await (await resolve(use_cases.change_plan))(staff, client_id, tier=tier, reason="demo")
        await _seed_client(container, uow, tier, client_id, owner, staff, company, days)
        logins.append(DemoLogin(demo_email(tier), tier))
    return logins


async def _seed_client(
    container: Container,
    uow: UnitOfWorkFactory,
    tier: Tier,
    client_id: ClientId,
    owner: Principal,
    staff: Principal,
    company: str,
    days: int,
) -> None:
    rng = random.Random(f"{tier}-{company}")
    use_cases = container.use_cases.container
    today = (container.adapters.container.clock()).now().date()
    slug = company.lower().split()[-1]
    projects: list[Project] = []
    project_count = _at_most(3, tier, Resource.PROJECTS)
    for index in range(project_count):
        status = [ProjectStatus.LIVE, ProjectStatus.DEVELOPMENT, ProjectStatus.DISCOVERY][index]
        project = await (await resolve(use_cases.create_project))(
            owner, client_id, name=["Website", "Online shop", "Mobile app"][index], status=status,
            start_date=today - timedelta(days=200 - 40 * index),
            estimated_delivery=today + timedelta(days=30 + 30 * index),
            budget_total=Money(Decimal(12_000 + 8_000 * index)),
        )  # fmt: skip
        for step, title in enumerate(["Kick-off", "Design approved", "Beta", "Launch"]):
            milestone = await (await resolve(use_cases.add_milestone))(
                owner, client_id, project.id, title=title, due_date=today + timedelta(days=30 * (step - 2))
            )
            if step < 3 - index:
                await (await resolve(use_cases.complete_milestone))(owner, client_id, project.id, milestone.id)
        projects.append(project)
    domain_count = _at_most(2, tier, Resource.DOMAINS)
    for index in range(domain_count):
        await (await resolve(use_cases.add_domain))(
            owner, client_id, name=f"{slug}{'-loja' if index else ''}.example", project_id=projects[0].id
        )
    await _seed_tickets(use_cases, owner, staff, client_id)
    await _seed_metrics(uow, rng, client_id, projects[0], today, days)
    await _connect_ad_accounts(use_cases, owner, client_id, tier)


def _at_most(wanted: int, tier: Tier, resource: Resource) -> int:
    limit = plan_for(tier).limit(resource)
    return wanted if limit is None else min(wanted, limit)


async def _seed_tickets(use_cases: UseCases, owner: Principal, staff: Principal, client_id: ClientId) -> None:
    create = await resolve(use_cases.create_ticket)
    reply = await resolve(use_cases.post_ticket_message)
    move = await resolve(use_cases.transition_ticket)
    answered = await create(owner, subject="Contact form not sending", description="Since Monday the form fails.",
                            priority=TicketPriority.HIGH)  # fmt: skip
    await reply(staff, client_id, answered.id, body="We are on it: the mail provider rotated its key.")
    await move(staff, client_id, answered.id, to=TicketStatus.IN_PROGRESS)
    await move(staff, client_id, answered.id, to=TicketStatus.RESOLVED)
    await create(owner, subject="New banner for the sale", description="Please swap the home banner on Friday.")


async def _connect_ad_accounts(use_cases: UseCases, owner: Principal, client_id: ClientId, tier: Tier) -> None:
    """Connect the tier's Google and Meta accounts (on the sandbox platforms) and run their first sync, as the
    worker would: the campaigns and their figures come the way a real client's do."""
    connect, sync = await resolve(use_cases.connect_ad_account), await resolve(use_cases.sync_ad_account)
    numbers = {CampaignPlatform.GOOGLE_ADS: "123-456-7890", CampaignPlatform.META_ADS: "act_1029384756"}
    for platform in sorted(plan_for(tier).campaign_platforms & numbers.keys()):
        account = await connect(owner, client_id, platform=platform, account_id=numbers[platform], grant="demo-grant")
        await sync(client_id, account.id)


async def _seed_metrics(
    uow: UnitOfWorkFactory, rng: random.Random, client_id: ClientId, site: Project, today: date, days: int
) -> None:
    async with uow(DataScope.of_client(client_id)) as unit:
        for offset in range(days):
            day = today - timedelta(days=offset)
            visits = rng.randint(800, 2400)
            await unit.metrics.record_traffic(
                DailyTraffic(
                    client_id, site.id, day, visits * 2_400_000, visits, visits // 20, visits // 15, rng.randint(0, 9)
                )
            )
            sample = PerformanceSample(
                lcp_seconds=Decimal(rng.randint(140, 380)) / 100, inp_ms=Decimal(rng.randint(90, 320)),
                cls=Decimal(rng.randint(1, 18)) / 100, lighthouse_performance=rng.randint(70, 99),
                lighthouse_accessibility=rng.randint(85, 100), lighthouse_best_practices=rng.randint(85, 100),
                lighthouse_seo=rng.randint(85, 100),
            )  # fmt: skip
            measured_at = datetime.combine(day, time(3), UTC)
            await unit.metrics.record_measurement(client_id, Measurement(site.id, measured_at, sample))
        await unit.commit()
