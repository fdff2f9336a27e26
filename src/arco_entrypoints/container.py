"""The composition root: every port wired to its adapter, and one factory per use-case.

Two containers, joined by a third: `Adapters` chooses and builds what talks to the outside world (the
database, the payment, DNS and ad platforms, the mailer), `UseCases` builds each use-case from the ports it
declares and nothing else, and `Container` gives both the same settings. The HTTP app and the worker build
this same container; tests override adapters (`adapters.uow`, `adapters.clock` ...) instead of patching
anything.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Mapping

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from arco_adapters.ads.google import GoogleAdsPlatform
from arco_adapters.ads.meta import MetaAdsPlatform
from arco_adapters.ads.sandbox import SandboxAdPlatform
from arco_adapters.cloudflare.provider import CloudflareDnsProvider
from arco_adapters.cloudflare.sandbox import SandboxDnsProvider
from arco_adapters.http_probe import HttpUptimeProbe
from arco_adapters.mail_templates import JinjaEmailTemplates
from arco_adapters.memory.rate_limiter import MemoryRateLimiter
from arco_adapters.outbound import OutboundGuard
from arco_adapters.pagespeed import PageSpeedProbe
from arco_adapters.postgres.account_gate import PostgresAccountGate
from arco_adapters.postgres.connections import DatabaseLimits, create_database_engine
from arco_adapters.postgres.health import PostgresProbe
from arco_adapters.postgres.idempotency import PostgresIdempotencyStore
from arco_adapters.postgres.jobs import PostgresOutbox
from arco_adapters.postgres.mail_log import PostgresMailLog
from arco_adapters.postgres.sandbox_billing import PostgresSandboxBillingStore
from arco_adapters.postgres.sandbox_dns import PostgresSandboxDnsStore
from arco_adapters.postgres.schedule import PostgresScheduledRuns
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_adapters.resend.mailer import ResendMailer
from arco_adapters.sandbox_performance import SandboxPerformanceProbe
from arco_adapters.sandbox_traffic import SandboxTrafficSource
from arco_adapters.sandbox_uptime import SandboxUptimeProbe
from arco_adapters.security.passwords import Argon2PasswordHasher
from arco_adapters.security.secret_box import FernetSecretBox
from arco_adapters.security.tokens import JwtAccessTokens
from arco_adapters.stripe.gateway import StripePaymentGateway
from arco_adapters.stripe.sandbox import SandboxPaymentGateway
from arco_adapters.system import SystemClock, Uuid7Generator
from arco_adapters.valkey.health import ValkeyProbe
from arco_adapters.valkey.rate_limiter import ValkeyRateLimiter
from arco_domain.model.domains import ClientDomainPolicy
from arco_domain.model.tiers import CampaignPlatform
from arco_domain.use_cases.billing import (
    EnforcePaymentGrace,
    HandleBillingEvent,
    OpenBillingPortal,
    ReceiveBillingWebhook,
    ReconcileBillingEvents,
    StartCheckout,
)
from arco_domain.use_cases.campaigns import (
    ConnectAdAccount,
    DisconnectAdAccount,
    GetCampaignMetrics,
    ListAdAccounts,
    ListCampaigns,
    ScheduleAdSyncs,
    SyncAdAccount,
)
from arco_domain.use_cases.clients import (
    ChangePlan,
    GetClient,
    GetClientDetails,
    GetUsage,
    ListClients,
    RegisterClient,
)
from arco_domain.use_cases.dashboard import GetDashboard
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
    KeepDomainsInStep,
    ListDomains,
    RefreshDomainStatus,
    RemoveDomain,
)
from arco_domain.use_cases.expiry import WarnOfExpiries
from arco_domain.use_cases.health import CheckReadiness
from arco_domain.use_cases.identity import Authenticate, CreateStaffUser, IdentifyUser
from arco_domain.use_cases.members import InviteMember, ListMembers, RemoveMember
from arco_domain.use_cases.monitoring import CheckUptime
from arco_domain.use_cases.network import RecordNetworkUsage
from arco_domain.use_cases.performance import MeasurePerformance
from arco_domain.use_cases.projects import (
    AddMilestone,
    CompleteMilestone,
    CreateProject,
    DeleteProject,
    GetProject,
    ListProjects,
    UpdateProject,
)
from arco_domain.use_cases.sign_up import SignUp
from arco_domain.use_cases.storage import ExpireUploadReservations
from arco_domain.use_cases.tickets import (
    AutoCloseResolvedTickets,
    CreateTicket,
    GetTicket,
    ListTickets,
    PostTicketMessage,
    ScanTicketSla,
    SummarizeTickets,
    TransitionTicket,
)
from arco_entrypoints.settings import Settings
from arco_entrypoints.webhook_delivery import post_to_webhook
from arco_ports.ads import AdPlatform
from arco_ports.clock import Clock
from arco_ports.health import DependencyProbe
from arco_ports.rate_limiter import RateLimiter
from arco_ports.traffic import TrafficSource


async def database_engine(url: str, pool_size: int, limits: DatabaseLimits) -> AsyncIterator[AsyncEngine]:
    # Connections are recycled, and replaced when the driver saw the server close them, rather than pinged
    # before each use: a ping is a round trip on every request.
    engine = create_database_engine(url, pool_size=pool_size, limits=limits)
    yield engine
    await engine.dispose()


async def outbound_guard() -> AsyncIterator[OutboundGuard]:
    # Built with no allow-list: nothing in configuration can open loopback or private networks to it.
    guard = OutboundGuard()
    yield guard
    await guard.aclose()


def uptime_probe(mode: str | None, guard: OutboundGuard) -> HttpUptimeProbe | SandboxUptimeProbe:
    """Production probes sites over HTTP through the guard; anywhere else the sandbox answers, off the network."""
    return HttpUptimeProbe(guard) if mode == "http" else SandboxUptimeProbe()


async def performance_probe(
    mode: str, api_key: str | None, clock: Clock, guard: OutboundGuard
) -> AsyncIterator[PageSpeedProbe | SandboxPerformanceProbe]:
    # Chosen here rather than by a Selector: a Selector's Resource options are all initialised at start-up,
    # and the PageSpeed client cannot be built without a key.
    if mode != "pagespeed":
        yield SandboxPerformanceProbe(clock=clock)
        return
    probe = PageSpeedProbe(api_key or "", guard=guard)
    yield probe
    await probe.aclose()


async def dns_provider(
    mode: str, api_token: str | None, account_id: str | None, engine: AsyncEngine, clock: Clock
) -> AsyncIterator[CloudflareDnsProvider | SandboxDnsProvider]:
    if mode != "cloudflare":
        yield SandboxDnsProvider(PostgresSandboxDnsStore(engine), clock=clock)
        return
    provider = CloudflareDnsProvider(api_token or "", account_id or "")
    yield provider
    await provider.aclose()


async def ad_platforms(
    mode: str,
    google_client_id: str | None,
    google_client_secret: str | None,
    google_developer_token: str | None,
    meta_app_secret: str | None,
    meta_conversion_action: str,
    engine: AsyncEngine,
) -> AsyncIterator[Mapping[CampaignPlatform, AdPlatform]]:
    if mode != "live":
        yield {platform: SandboxAdPlatform(platform) for platform in CampaignPlatform}
        return
    # One gate for both: it keys its slots by platform and account, across every worker process.
    gate = PostgresAccountGate(engine)
    google = GoogleAdsPlatform(
        client_id=google_client_id or "", client_secret=google_client_secret or "", gate=gate,
        developer_token=google_developer_token,
    )  # fmt: skip
    meta = MetaAdsPlatform(gate, conversion_action_type=meta_conversion_action, app_secret=meta_app_secret)
    yield {CampaignPlatform.GOOGLE_ADS: google, CampaignPlatform.META_ADS: meta}
    await google.aclose()
    await meta.aclose()


async def password_hasher() -> AsyncIterator[Argon2PasswordHasher]:
    hasher = await Argon2PasswordHasher.start()
    yield hasher
    hasher.close()


async def rate_limiter(redis_url: str | None, clock: Clock) -> AsyncIterator[RateLimiter]:
    # Without a server (tests, one-off commands) each process counts alone; `arco serve` always has one.
    if not redis_url:
        yield MemoryRateLimiter(clock)
        return
    limiter = ValkeyRateLimiter(redis_url, fallback=MemoryRateLimiter(clock))
    yield limiter
    await limiter.aclose()


async def readiness_probes(
    redis_url: str | None, engine: AsyncEngine, agency_engine: AsyncEngine
) -> AsyncIterator[Mapping[str, DependencyProbe]]:
    """The database, through both roles' pools; and the queue, when this process has one."""
    database = PostgresProbe(engine, agency_engine)
    if not redis_url:
        yield {"database": database}
        return
    queue = ValkeyProbe(redis_url)
    yield {"database": database, "queue": queue}
    await queue.aclose()


def traffic_source(mode: str | None, clock: Clock) -> TrafficSource | None:
    """The sandbox's invented traffic outside production; in production none until a real source exists."""
    return None if mode == "none" else SandboxTrafficSource(clock=clock)


class Adapters(containers.DeclarativeContainer):
    """Every port's adapter, chosen by the settings (the sandboxes outside production)."""

    settings = providers.Dependency(instance_of=Settings)

    # Client-scoped units of work use `engine` (the client-serving role); everything else, cross-client work and
    # the stores outside any unit of work, uses `agency_engine`.
    engine = providers.Resource(
        database_engine, url=settings.provided.database_url, pool_size=settings.provided.db_pool_size,
        limits=settings.provided.database_limits,
    )  # fmt: skip
    agency_engine = providers.Resource(
        database_engine, url=settings.provided.agency_database_url, pool_size=settings.provided.db_pool_size,
        limits=settings.provided.database_limits,
    )  # fmt: skip
    uow = providers.Singleton(
        PostgresUnitOfWorkFactory, engine=engine, agency_engine=agency_engine, scope_key=settings.provided.scope_key
    )
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    hasher = providers.Resource(password_hasher)
    rate_limiter = providers.Resource(rate_limiter, settings.provided.redis_url, clock=clock)
    email_templates = providers.Singleton(JinjaEmailTemplates)
    tokens = providers.Singleton(JwtAccessTokens, secret=settings.provided.jwt_secret, clock=clock)
    scheduled_runs = providers.Singleton(PostgresScheduledRuns, engine=agency_engine)
    mail_log = providers.Singleton(PostgresMailLog, engine=agency_engine)
    mailer = providers.Selector(
        settings.provided.mail_mode,
        log=mail_log,
        resend=providers.Singleton(
            ResendMailer, settings.provided.resend_api_key, sender=settings.provided.mail_from, log=mail_log
        ),
    )
    outbox = providers.Singleton(PostgresOutbox, engine=agency_engine)
    idempotency = providers.Singleton(PostgresIdempotencyStore, engine=agency_engine, clock=clock)
    outbound_guard = providers.Resource(outbound_guard)
    uptime_probe = providers.Singleton(uptime_probe, settings.provided.uptime_mode, guard=outbound_guard)
    performance_probe = providers.Resource(
        performance_probe,
        settings.provided.performance_mode,
        settings.provided.pagespeed_api_key,
        clock=clock,
        guard=outbound_guard,
    )
    dns_provider = providers.Resource(
        dns_provider,
        settings.provided.dns_mode,
        settings.provided.cloudflare_api_token,
        settings.provided.cloudflare_account_id,
        engine=agency_engine,
        clock=clock,
    )
    ad_platforms = providers.Resource(
        ad_platforms,
        settings.provided.effective_ads_mode,
        settings.provided.google_ads_client_id,
        settings.provided.google_ads_client_secret,
        settings.provided.google_ads_developer_token,
        settings.provided.meta_app_secret,
        settings.provided.meta_conversion_action,
        engine=agency_engine,
    )
    secret_box = providers.Singleton(FernetSecretBox, settings.provided.secrets_key)
    traffic_source = providers.Singleton(traffic_source, settings.provided.traffic_mode, clock=clock)
    payment_gateway = providers.Selector(
        settings.provided.billing_mode,
        stripe=providers.Singleton(
            StripePaymentGateway,
            settings.provided.stripe_secret_key,
            prices=settings.provided.stripe_prices,
            clock=clock,
            webhook_secret=settings.provided.webhook_signing_secret,
        ),
        sandbox=providers.Singleton(
            SandboxPaymentGateway,
            webhook_secret=settings.provided.webhook_signing_secret,
            public_url=settings.provided.public_url,
            prices=settings.provided.stripe_prices,
            clock=clock,
            deliver=providers.Callable(post_to_webhook, public_url=settings.provided.public_url),
            store=providers.Singleton(PostgresSandboxBillingStore, agency_engine),
        ),
    )
    readiness_probes = providers.Resource(
        readiness_probes, settings.provided.redis_url, engine=engine, agency_engine=agency_engine
    )


class UseCases(containers.DeclarativeContainer):
    """One factory per use-case, each given the ports its class declares."""

    settings = providers.Dependency(instance_of=Settings)
    adapters = providers.DependenciesContainer()

    check_readiness = providers.Factory(CheckReadiness, probes=adapters.readiness_probes)

    register_client = providers.Factory(
        RegisterClient, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, hasher=adapters.hasher
    )
    sign_up = providers.Factory(
        SignUp, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, hasher=adapters.hasher,
        templates=adapters.email_templates, login_url=settings.provided.login_url,
    )  # fmt: skip
    authenticate = providers.Factory(
        Authenticate, uow=adapters.uow, hasher=adapters.hasher, limiter=adapters.rate_limiter,
        limits=settings.provided.rate_limits,
    )  # fmt: skip
    identify_user = providers.Factory(IdentifyUser, uow=adapters.uow)
    create_staff_user = providers.Factory(
        CreateStaffUser, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, hasher=adapters.hasher
    )

    get_usage = providers.Factory(GetUsage, uow=adapters.uow, clock=adapters.clock)
    get_client = providers.Factory(GetClient, uow=adapters.uow)
    get_client_details = providers.Factory(GetClientDetails, uow=adapters.uow, clock=adapters.clock)
    list_clients = providers.Factory(ListClients, uow=adapters.uow)
    change_plan = providers.Factory(ChangePlan, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    list_members = providers.Factory(ListMembers, uow=adapters.uow)
    invite_member = providers.Factory(InviteMember, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    remove_member = providers.Factory(RemoveMember, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)

    start_checkout = providers.Factory(StartCheckout, uow=adapters.uow, gateway=adapters.payment_gateway)
    open_billing_portal = providers.Factory(OpenBillingPortal, uow=adapters.uow, gateway=adapters.payment_gateway)
    handle_billing_event = providers.Factory(
        HandleBillingEvent, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, gateway=adapters.payment_gateway
    )
    enforce_payment_grace = providers.Factory(
        EnforcePaymentGrace, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids
    )
    receive_billing_webhook = providers.Factory(
        ReceiveBillingWebhook, gateway=adapters.payment_gateway, handle=handle_billing_event
    )
    reconcile_billing_events = providers.Factory(
        ReconcileBillingEvents, clock=adapters.clock, gateway=adapters.payment_gateway, handle=handle_billing_event
    )

    list_projects = providers.Factory(ListProjects, uow=adapters.uow)
    get_project = providers.Factory(GetProject, uow=adapters.uow)
    create_project = providers.Factory(CreateProject, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    update_project = providers.Factory(UpdateProject, uow=adapters.uow, clock=adapters.clock)
    delete_project = providers.Factory(DeleteProject, uow=adapters.uow)
    add_milestone = providers.Factory(AddMilestone, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    complete_milestone = providers.Factory(CompleteMilestone, uow=adapters.uow, clock=adapters.clock)

    domain_names = providers.Singleton(ClientDomainPolicy, allow_example=settings.provided.example_domains)
    list_domains = providers.Factory(ListDomains, uow=adapters.uow)
    get_domain = providers.Factory(GetDomain, uow=adapters.uow)
    add_domain = providers.Factory(
        AddDomain,
        uow=adapters.uow,
        clock=adapters.clock,
        ids=adapters.ids,
        dns=adapters.dns_provider,
        names=domain_names,
    )
    refresh_domain_status = providers.Factory(
        RefreshDomainStatus, uow=adapters.uow, clock=adapters.clock, dns=adapters.dns_provider
    )
    assign_domain_to_project = providers.Factory(AssignDomainToProject, uow=adapters.uow)
    remove_domain = providers.Factory(RemoveDomain, uow=adapters.uow, dns=adapters.dns_provider)
    list_dns_records = providers.Factory(ListDnsRecords, uow=adapters.uow)
    add_dns_record = providers.Factory(
        AddDnsRecord, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, dns=adapters.dns_provider
    )
    update_dns_record = providers.Factory(
        UpdateDnsRecord, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, dns=adapters.dns_provider
    )
    delete_dns_record = providers.Factory(
        DeleteDnsRecord, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, dns=adapters.dns_provider
    )
    reconcile_dns_records = providers.Factory(
        ReconcileDnsRecords, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, dns=adapters.dns_provider
    )
    get_dns_drift = providers.Factory(GetDnsDrift, uow=adapters.uow)
    keep_domains_in_step = providers.Factory(
        KeepDomainsInStep, uow=adapters.uow, refresh=refresh_domain_status, reconcile=reconcile_dns_records
    )
    warn_of_expiries = providers.Factory(
        WarnOfExpiries, uow=adapters.uow, clock=adapters.clock, staff_inbox=settings.provided.staff_inbox
    )

    list_tickets = providers.Factory(ListTickets, uow=adapters.uow)
    get_ticket = providers.Factory(GetTicket, uow=adapters.uow)
    create_ticket = providers.Factory(CreateTicket, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    post_ticket_message = providers.Factory(PostTicketMessage, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    transition_ticket = providers.Factory(TransitionTicket, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids)
    summarize_tickets = providers.Factory(SummarizeTickets, uow=adapters.uow, clock=adapters.clock)
    scan_ticket_sla = providers.Factory(
        ScanTicketSla, uow=adapters.uow, clock=adapters.clock, staff_inbox=settings.provided.staff_inbox
    )
    auto_close_resolved_tickets = providers.Factory(AutoCloseResolvedTickets, uow=adapters.uow, clock=adapters.clock)

    connect_ad_account = providers.Factory(
        ConnectAdAccount,
        uow=adapters.uow,
        clock=adapters.clock,
        ids=adapters.ids,
        platforms=adapters.ad_platforms,
        secrets=adapters.secret_box,
    )
    disconnect_ad_account = providers.Factory(
        DisconnectAdAccount, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids
    )
    list_ad_accounts = providers.Factory(ListAdAccounts, uow=adapters.uow)
    sync_ad_account = providers.Factory(
        SyncAdAccount, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, platforms=adapters.ad_platforms,
        secrets=adapters.secret_box, lookback_days=settings.provided.ads_lookback_days,
    )  # fmt: skip
    schedule_ad_syncs = providers.Factory(ScheduleAdSyncs, uow=adapters.uow, clock=adapters.clock)
    list_campaigns = providers.Factory(ListCampaigns, uow=adapters.uow)
    get_campaign_metrics = providers.Factory(GetCampaignMetrics, uow=adapters.uow)

    check_uptime = providers.Factory(
        CheckUptime, uow=adapters.uow, clock=adapters.clock, ids=adapters.ids, probe=adapters.uptime_probe
    )
    measure_performance = providers.Factory(
        MeasurePerformance, uow=adapters.uow, clock=adapters.clock, probe=adapters.performance_probe
    )
    record_network_usage = providers.Factory(
        RecordNetworkUsage, uow=adapters.uow, clock=adapters.clock, source=adapters.traffic_source
    )
    expire_upload_reservations = providers.Factory(ExpireUploadReservations, uow=adapters.uow, clock=adapters.clock)
    get_dashboard = providers.Factory(
        GetDashboard, uow=adapters.uow, clock=adapters.clock,
        traffic_connected=providers.Callable(operator.is_not, adapters.traffic_source, None),
    )  # fmt: skip


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    adapters = providers.Container(Adapters, settings=settings)
    use_cases = providers.Container(UseCases, settings=settings, adapters=adapters)
