"""Configuration from the environment, read once by the entrypoints (never at import time)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from arco_domain.model.throttling import RateLimits


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
MIN_SCOPE_KEY = 32


@dataclass(frozen=True, slots=True)
class BillingSettings:
    """Stripe in production; elsewhere the sandbox, which needs no account (its own prices and secret)."""

    mode: str = "sandbox"
    secret_key: str | None = None
    webhook_secret: str | None = None
    price_basic: str = "price_sandbox_basic"
    price_pro: str = "price_sandbox_pro"
    public_url: str = DEFAULT_PUBLIC_URL
    """Where ARCO is reached from outside: checkout return pages and the sandbox's hosted pages."""

    @classmethod
    def from_environment(cls, env: Mapping[str, str], environment: Environment) -> BillingSettings:
        public_url = env.get("ARCO_PUBLIC_URL", DEFAULT_PUBLIC_URL)
        if environment is not Environment.PRODUCTION:
            return cls(webhook_secret=env.get("ARCO_STRIPE_WEBHOOK_SECRET") or None, public_url=public_url)
        required = (
            "ARCO_STRIPE_SECRET_KEY",
            "ARCO_STRIPE_WEBHOOK_SECRET",
            "ARCO_STRIPE_PRICE_BASIC",
            "ARCO_STRIPE_PRICE_PRO",
        )
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise SystemExit(f"production billing needs {', '.join(missing)}")
        return cls(
            mode="stripe", secret_key=env["ARCO_STRIPE_SECRET_KEY"], webhook_secret=env["ARCO_STRIPE_WEBHOOK_SECRET"],
            price_basic=env["ARCO_STRIPE_PRICE_BASIC"], price_pro=env["ARCO_STRIPE_PRICE_PRO"], public_url=public_url,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AdsSettings:
    """The live Google Ads and Meta adapters in production (or with `ARCO_ADS_MODE=live`), else the sandbox."""

    mode: str = "sandbox"
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_developer_token: str | None = None
    meta_app_secret: str | None = None
    meta_conversion_action: str = "offsite_conversion.fb_pixel_purchase"
    lookback_days: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, env: Mapping[str, str], environment: Environment) -> AdsSettings:
        mode = env.get("ARCO_ADS_MODE") or ("live" if environment is Environment.PRODUCTION else "sandbox")
        if mode not in ("live", "sandbox"):
            raise SystemExit("ARCO_ADS_MODE must be live or sandbox")
        google = (env.get("ARCO_GOOGLE_ADS_CLIENT_ID") or None, env.get("ARCO_GOOGLE_ADS_CLIENT_SECRET") or None)
        if mode == "live" and not all(google):
            raise SystemExit("live ad syncs need ARCO_GOOGLE_ADS_CLIENT_ID and ARCO_GOOGLE_ADS_CLIENT_SECRET")
        lookback: dict[str, int] = {}
        for platform, variable in (
            ("google_ads", "ARCO_GOOGLE_ADS_LOOKBACK_DAYS"),
            ("meta_ads", "ARCO_META_ADS_LOOKBACK_DAYS"),
        ):
            raw = env.get(variable)
            if raw:
                if not raw.isdigit() or not 1 <= int(raw) <= 90:
                    raise SystemExit(f"{variable} must be a whole number of days, 1..90")
                lookback[platform] = int(raw)
        return cls(
            mode=mode, google_client_id=google[0], google_client_secret=google[1],
            google_developer_token=env.get("ARCO_GOOGLE_ADS_DEVELOPER_TOKEN") or None,
            meta_app_secret=env.get("ARCO_META_APP_SECRET") or None,
            meta_conversion_action=env.get("ARCO_META_CONVERSION_ACTION") or "offsite_conversion.fb_pixel_purchase",
            lookback_days=lookback,
        )  # fmt: skip


_PERIOD_UNITS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


def parse_rate_limits(raw: str) -> RateLimits:
    """`login_per_address=10/minute, signup_per_address=5/hour, login_failures=5/15m` over the SPEC defaults."""
    overrides: dict[str, tuple[int, timedelta]] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _RATE.match(item.lower())
        if not match or match.group(4) not in _PERIOD_UNITS or int(match.group(2)) < 1:
            raise SystemExit(f"ARCO_RATE_LIMITS: {item!r} is not name=count/period (e.g. signup_per_address=5/hour)")
        name, count, multiple, unit = match.groups()
        overrides[name] = (int(count), timedelta(seconds=int(multiple or 1) * _PERIOD_UNITS[unit]))
    try:
        return RateLimits().configured(overrides)
    except ValueError as error:
        raise SystemExit(f"ARCO_RATE_LIMITS: {error}") from None


def parse_networks(variable: str, raw: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise SystemExit(f"{variable}: {error} (addresses or networks, comma-separated)") from None


@dataclass(frozen=True, slots=True)
class EdgeSettings:
    """What the HTTP edge offers browsers: the interactive docs page, cross-origin access, HSTS."""

    docs: bool = False
    """The interactive docs page under /schema (the OpenAPI JSON document is always served)."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins (the dashboards) allowed to call the API from JavaScript; none by default."""
    strict_transport: bool = False
    """Send `Strict-Transport-Security`: production is only ever served over HTTPS."""

    @classmethod
    def from_environment(cls, env: Mapping[str, str], environment: Environment) -> EdgeSettings:
        production = environment is Environment.PRODUCTION
        docs = env.get("ARCO_DOCS", "")
        if docs not in ("", "on", "off"):
            raise SystemExit("ARCO_DOCS must be on or off")
        return cls(
            docs=docs == "on" or (docs == "" and not production),
            cors_origins=parse_origins(env.get("ARCO_CORS_ORIGINS", ""), https_only=production),
            strict_transport=production,
        )


_ORIGIN = re.compile(r"(?P<scheme>https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:(?P<port>[0-9]{1,5}))?")
"""What a browser sends as `Origin`: no wildcard, credentials, path or trailing slash."""


def parse_origins(raw: str, *, https_only: bool) -> tuple[str, ...]:
    """`https://dashboard.example.com,https://admin.example.com`: each a scheme, a host and maybe a port."""
    schemes = ("https",) if https_only else ("https", "http")
    origins = tuple(filter(None, (part.strip().lower() for part in raw.split(","))))
    for origin in origins:
        match = _ORIGIN.fullmatch(origin)
        if not match or match["scheme"] not in schemes or int(match["port"] or 0) > 65535:
            wanted = " or ".join(f"{scheme}://host[:port]" for scheme in schemes)
            raise SystemExit(f"ARCO_CORS_ORIGINS: {origin!r} is not an origin ({wanted}, comma-separated)")
    return origins


@dataclass(frozen=True, slots=True)
class Settings:
    environment: Environment
    data_dir: Path
    database_url: str | None
    """The client-serving connection (a login granted `arco_app`); `None` starts the embedded server."""
    migration_database_url: str | None
    """The schema owner's connection for migrations; defaults to `database_url`."""
    jwt_secret: str | None
    """HS256 signing secret (Supabase's JWT secret to accept its tokens); `None` keeps one in the data dir."""
    agency_database_url: str | None = None
    """The connection for cross-client work (a login granted `arco_agency`); set exactly when `database_url` is."""
    scope_key: str | None = None
    """The key that signs client scopes for row-level security; `None` keeps one in the data dir."""
    redis_url: str | None = None
    """The job queue's Redis; `None` starts an embedded Valkey in the data dir."""
    staff_inbox: str = "support@arco.local"
    """Where alerts for the agency's staff go (SLA warnings and breaches)."""
    resend_api_key: str | None = None
    """With a key, e-mail goes out through Resend (and is logged); without one it is only logged."""
    mail_from: str = "ARCO <noreply@arco.local>"
    pagespeed_api_key: str | None = None
    """With a key, sites are measured by Google's PageSpeed Insights; without one, by the sandbox (made-up figures)."""
    cloudflare_api_token: str | None = None
    """With a token (and the account id), domains' DNS lives at Cloudflare; without, at the sandbox provider."""
    cloudflare_account_id: str | None = None
    secrets_keys: tuple[str, ...] = ()
    """Keys sealing stored credentials (ad-platform grants), newest first; empty keeps one in the data dir."""
    ads: AdsSettings = field(default_factory=lambda: AdsSettings())
    billing: BillingSettings = field(default_factory=BillingSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    """Proxies whose `X-Forwarded-For` names the client; nobody else's is believed."""
    rate_limits: RateLimits = field(default_factory=RateLimits)
    dashboard_url: str = DEFAULT_PUBLIC_URL
    """Where clients sign in to the dashboard: the link in ARCO's e-mails."""

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            # No default: a production deploy that forgot it would otherwise mount the sandboxes.
            environment = Environment(env.get("ARCO_ENV", ""))
        except ValueError:
            raise SystemExit(f"ARCO_ENV must be set to one of {', '.join(Environment)}") from None
        if environment is Environment.PRODUCTION and not env.get("ARCO_REDIS_URL"):
            # Rate limits and the job queue live there; each process counting alone would multiply the limits.
            raise SystemExit("production needs ARCO_REDIS_URL (the job queue and the shared rate limits)")
        database_url = env.get("ARCO_DATABASE_URL") or None
        if environment is Environment.PRODUCTION and not env.get("ARCO_PAGESPEED_API_KEY"):
            # Elsewhere the sandbox invents performance figures; production must never show invented ones.
            raise SystemExit("production needs ARCO_PAGESPEED_API_KEY for performance measurement")
        secrets_keys = tuple(key.strip() for key in env.get("ARCO_SECRETS_KEY", "").split(",") if key.strip())
        if environment is Environment.PRODUCTION and not secrets_keys:
            # A key kept next to the data it protects protects nothing in production.
            raise SystemExit("production needs ARCO_SECRETS_KEY to seal stored credentials")
        agency_database_url = env.get("ARCO_AGENCY_DATABASE_URL") or None
        if (database_url is None) != (agency_database_url is None):
            # Cross-client work needs a role of its own next to a configured database, and means nothing without one.
            raise SystemExit("ARCO_DATABASE_URL and ARCO_AGENCY_DATABASE_URL go together: set both or neither")
        if database_url is not None and database_url == agency_database_url:
            raise SystemExit("ARCO_AGENCY_DATABASE_URL must log in as another role than ARCO_DATABASE_URL")
        scope_key = env.get("ARCO_SCOPE_KEY") or None
        if environment is Environment.PRODUCTION and scope_key is None:
            # Like the secrets key: kept next to the data it guards, it guards nothing in production.
            raise SystemExit("production needs ARCO_SCOPE_KEY to sign the client scope of database transactions")
        if scope_key is not None and len(scope_key) < MIN_SCOPE_KEY:
            raise SystemExit(f"ARCO_SCOPE_KEY must be at least {MIN_SCOPE_KEY} characters")
        cloudflare = (env.get("ARCO_CLOUDFLARE_API_TOKEN") or None, env.get("ARCO_CLOUDFLARE_ACCOUNT_ID") or None)
        if (environment is Environment.PRODUCTION or any(cloudflare)) and not all(cloudflare):
            # A half-configured Cloudflare, or the sandbox's pretend zones in production, would lose real DNS.
            raise SystemExit("Cloudflare needs both ARCO_CLOUDFLARE_API_TOKEN and ARCO_CLOUDFLARE_ACCOUNT_ID")
        return cls(
            environment=environment,
            data_dir=Path(env.get("ARCO_DATA_DIR", ".arco")),
            database_url=database_url,
            migration_database_url=env.get("ARCO_MIGRATION_DATABASE_URL") or database_url,
            jwt_secret=env.get("ARCO_JWT_SECRET") or None,
            agency_database_url=agency_database_url,
            scope_key=scope_key,
            redis_url=env.get("ARCO_REDIS_URL") or None,
            staff_inbox=env.get("ARCO_STAFF_INBOX", "support@arco.local"),
            resend_api_key=env.get("ARCO_RESEND_API_KEY") or None,
            mail_from=env.get("ARCO_MAIL_FROM", "ARCO <noreply@arco.local>"),
            pagespeed_api_key=env.get("ARCO_PAGESPEED_API_KEY") or None,
            cloudflare_api_token=cloudflare[0],
            cloudflare_account_id=cloudflare[1],
            secrets_keys=secrets_keys,
            ads=AdsSettings.from_environment(env, environment),
            billing=BillingSettings.from_environment(env, environment),
            edge=EdgeSettings.from_environment(env, environment),
            trusted_proxies=parse_networks("ARCO_TRUSTED_PROXIES", env.get("ARCO_TRUSTED_PROXIES", "")),
            rate_limits=parse_rate_limits(env.get("ARCO_RATE_LIMITS", "")),
            dashboard_url=env.get("ARCO_DASHBOARD_URL") or env.get("ARCO_PUBLIC_URL") or DEFAULT_PUBLIC_URL,
        )
