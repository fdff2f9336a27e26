"""Getting ARCO's runtime ready from settings: the database, the signing secret, the container."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any

from arco_adapters.postgres.database import start_embedded
from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import upgrade
from arco_adapters.postgres.scope import install_scope_key
from arco_adapters.security.secret_box import new_key
from arco_domain.model.throttling import RateLimits
from arco_domain.model.tiers import Tier
from arco_entrypoints.container import Container
from arco_entrypoints.settings import (
    DEFAULT_PUBLIC_URL,
    AdsSettings,
    BillingSettings,
    EdgeSettings,
    Environment,
    Settings,
)

SECRET_FILE = "jwt-secret"
SECRETS_KEY_FILE = "secrets-key"
SCOPE_KEY_FILE = "scope-key"


@dataclass
class Runtime:
    """What a running ARCO needs: the app's database URLs and scope key, its signing secret, and the embedded
    server if any."""

    database_url: str
    jwt_secret: str
    embedded: EmbeddedPostgres | None
    agency_database_url: str = field(kw_only=True)
    scope_key: str = field(kw_only=True)
    billing: BillingSettings = field(default_factory=BillingSettings)
    staff_inbox: str = "support@arco.local"
    resend_api_key: str | None = None
    mail_from: str = "ARCO <noreply@arco.local>"
    pagespeed_api_key: str | None = None
    cloudflare_api_token: str | None = None
    cloudflare_account_id: str | None = None
    secrets_keys: tuple[str, ...] = ()
    ads: AdsSettings = field(default_factory=AdsSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    environment: Environment = Environment.TEST
    redis_url: str | None = None
    """The shared rate limits' server; `None` counts in the process (tests, one-off commands)."""
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    rate_limits: RateLimits = field(default_factory=RateLimits)
    dashboard_url: str = DEFAULT_PUBLIC_URL

    def container(self, *, pool_size: int = 10) -> Container:
        container = Container()
        billing = self.billing
        # The sandbox signs its events with a secret of its own when none is configured.
        webhook_secret = (
            billing.webhook_secret or "whsec_sandbox_" + hashlib.sha256(self.jwt_secret.encode()).hexdigest()
        )
        container.config.from_dict(
            {
                "database_url": self.database_url,
                "agency_database_url": self.agency_database_url,
                "scope_key": self.scope_key,
                "jwt_secret": self.jwt_secret,
                "pool_size": pool_size,
                "billing_mode": billing.mode,
                "stripe_secret_key": billing.secret_key,
                "stripe_webhook_secret": webhook_secret,
                "stripe_prices": {Tier.BASIC: billing.price_basic, Tier.PRO: billing.price_pro},
                "public_url": billing.public_url,
                "staff_inbox": self.staff_inbox,
                "mail_mode": "resend" if self.resend_api_key else "log",
                "resend_api_key": self.resend_api_key,
                "mail_from": self.mail_from,
                "performance_mode": "pagespeed" if self.pagespeed_api_key else "sandbox",
                "pagespeed_api_key": self.pagespeed_api_key,
                "dns_mode": "cloudflare" if self.cloudflare_api_token else "sandbox",
                "cloudflare_api_token": self.cloudflare_api_token,
                "cloudflare_account_id": self.cloudflare_account_id,
                "secrets_keys": list(self.secrets_keys),
                "ads_mode": self.ads.mode,
                "google_ads_client_id": self.ads.google_client_id,
                "google_ads_client_secret": self.ads.google_client_secret,
                "google_ads_developer_token": self.ads.google_developer_token,
                "meta_app_secret": self.ads.meta_app_secret,
                "meta_conversion_action": self.ads.meta_conversion_action,
                "ads_lookback_days": dict(self.ads.lookback_days),
                "docs": self.edge.docs,
                "cors_origins": list(self.edge.cors_origins),
                "strict_transport": self.edge.strict_transport,
                # Production never shows invented traffic: no source until a real one is configured.
                "traffic_mode": "none" if self.environment is Environment.PRODUCTION else "sandbox",
                # Only production reaches the sites clients name; only the demo and staging use `.example` names.
                "uptime_mode": "http" if self.environment is Environment.PRODUCTION else "sandbox",
                "example_domains": self.environment is not Environment.PRODUCTION,
                "redis_url": self.redis_url,
                "trusted_proxies": list(self.trusted_proxies),
                "rate_limits": self.rate_limits,
                "dashboard_url": self.dashboard_url,
            }
        )
        return container

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def persisted_secret(
    data_dir: Path, name: str = SECRET_FILE, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)
) -> str:
    """A random secret kept in the data dir (readable by its owner only), so a local install keeps its tokens
    and its sealed credentials across restarts."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def scope_key(settings: Settings) -> str:
    return settings.scope_key or persisted_secret(settings.data_dir, SCOPE_KEY_FILE)


def prepare(settings: Settings) -> Runtime:
    """Migrate the configured database and install the scope key in it, or start and migrate the embedded one.
    Call outside an event loop."""
    secret = settings.jwt_secret or persisted_secret(settings.data_dir)
    key = scope_key(settings)
    if settings.database_url and settings.agency_database_url:
        owner_url = settings.migration_database_url or settings.database_url
        upgrade(owner_url)
        asyncio.run(install_scope_key(owner_url, key))
        return Runtime(
            settings.database_url, secret, None, agency_database_url=settings.agency_database_url, scope_key=key,
            **services(settings),
        )  # fmt: skip
    embedded = start_embedded(settings.data_dir, key)
    return Runtime(
        embedded.url, secret, embedded.server, agency_database_url=embedded.agency_url, scope_key=key,
        **services(settings),
    )  # fmt: skip


def services(settings: Settings) -> dict[str, Any]:
    """The runtime's settings beyond the database and the signing secret."""
    return {
        "billing": settings.billing,
        "staff_inbox": settings.staff_inbox,
        "resend_api_key": settings.resend_api_key,
        "mail_from": settings.mail_from,
        "pagespeed_api_key": settings.pagespeed_api_key,
        "cloudflare_api_token": settings.cloudflare_api_token,
        "cloudflare_account_id": settings.cloudflare_account_id,
        "secrets_keys": settings.secrets_keys or (persisted_secret(settings.data_dir, SECRETS_KEY_FILE, new_key),),
        "ads": settings.ads,
        "edge": settings.edge,
        "environment": settings.environment,
        "redis_url": settings.redis_url,
        "trusted_proxies": settings.trusted_proxies,
        "rate_limits": settings.rate_limits,
        "dashboard_url": settings.dashboard_url,
    }


def export(runtime: Runtime) -> None:
    """Hand the prepared runtime to worker processes, which read the environment."""
    os.environ["ARCO_DATABASE_URL"] = runtime.database_url
    os.environ["ARCO_AGENCY_DATABASE_URL"] = runtime.agency_database_url
    os.environ["ARCO_SCOPE_KEY"] = runtime.scope_key
    os.environ["ARCO_JWT_SECRET"] = runtime.jwt_secret
    os.environ["ARCO_SECRETS_KEY"] = ",".join(runtime.secrets_keys)
