"""Configuration: one typed object, read from the environment once by the entrypoints (never at import time).

Every field is one `ARCO_*` variable (`Settings.variable` names it). `Settings.from_environment` converts the
variables with msgspec (strings to numbers, lists, networks, rate limits) and checks the rules between them;
any bad or missing value stops the start with a message naming the variable. The container takes the object
as it is.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from arco_adapters.postgres.connections import DatabaseLimits
from arco_domain.model.throttling import RateLimits
from arco_domain.model.tiers import CampaignPlatform, Tier


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
MIN_SECRET = 32
Secret = Annotated[str, msgspec.Meta(min_length=MIN_SECRET)]
LookbackDays = Annotated[int, msgspec.Meta(ge=1, le=90)]
Seconds = Annotated[float, msgspec.Meta(gt=0, le=3600)]
Network = IPv4Network | IPv6Network


class SettingsError(ValueError):
    """A setting that cannot be used; `variable` names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    environment: Environment
    """`production`, `staging` or `test`; no default, so a deploy that forgot it mounts no sandbox."""
    data_dir: Path = Path(".arco")
    database_url: str | None = None
    """The client-serving connection (a login granted `arco_app`); `None` starts the embedded server."""
    agency_database_url: str | None = None
    """The connection for cross-client work (a login granted `arco_agency`); set exactly when `database_url` is."""
    migration_database_url: str | None = None
    """The schema owner's connection for migrations; `database_url` when unset."""
    migrate_on_start: Literal["on", "off"] | None = None
    """Whether `arco serve` and `arco worker` migrate the database as they start; off in production when unset,
    where `arco migrate` is a step of the deploy. The embedded database is always migrated as it starts."""
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10
    db_statement_timeout: Seconds = 5.0
    """How long one statement of a request (or a command) may run before the database cancels it (a 503)."""
    db_worker_statement_timeout: Seconds = 60.0
    """The same for the worker's jobs, which nobody waits on and which read or sweep more rows at once."""
    db_lock_timeout: Seconds = 2.0
    """How long a statement waits for a row another transaction holds locked before giving up (a 503)."""
    db_pool_timeout: Seconds = 5.0
    """How long a request waits for a pooled database connection to come free, or a new one to open (a 503)."""
    jwt_secret: Secret | None = None
    """HS256 signing secret (Supabase's JWT secret to accept its tokens); `None` keeps one in the data dir."""
    scope_key: Secret | None = None
    """The key that signs client scopes for row-level security; `None` keeps one in the data dir."""
    secrets_key: tuple[str, ...] = ()
    """Fernet keys sealing stored credentials (ad-platform grants), newest first; empty keeps one in the data dir."""
    redis_url: str | None = None
    """The job queue's Redis, which also keeps the shared rate limits; `None` starts an embedded Valkey."""
    public_url: str = DEFAULT_PUBLIC_URL
    """Where ARCO is reached from outside: checkout return pages and the sandbox's hosted pages."""
    dashboard_url: str | None = None
    """Where clients sign in to the dashboard (the link in ARCO's e-mails); `public_url` when unset."""
    staff_inbox: str = "support@arco.local"
    """Where alerts for the agency's staff go (SLA warnings and breaches)."""
    resend_api_key: str | None = None
    """With a key, e-mail goes out through Resend (and is logged); without one it is only logged."""
    mail_from: str = "ARCO <noreply@arco.local>"
    pagespeed_api_key: str | None = None
    """With a key, sites are measured by Google's PageSpeed Insights; without one, by the sandbox."""
    cloudflare_api_token: str | None = None
    """With a token (and the account id), domains' DNS lives at Cloudflare; without, at the sandbox provider."""
    cloudflare_account_id: str | None = None
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_price_basic: str = "price_sandbox_basic"
    stripe_price_pro: str = "price_sandbox_pro"
    ads_mode: Literal["live", "sandbox"] | None = None
    """`live` (the platforms' APIs) or `sandbox`; `live` in production when unset, else `sandbox`."""
    google_ads_client_id: str | None = None
    google_ads_client_secret: str | None = None
    google_ads_developer_token: str | None = None
    google_ads_lookback_days: LookbackDays | None = None
    meta_app_secret: str | None = None
    meta_conversion_action: str = "offsite_conversion.fb_pixel_purchase"
    meta_ads_lookback_days: LookbackDays | None = None
    docs: Literal["on", "off"] | None = None
    """The interactive docs page under /schema; on outside production when unset."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins (the dashboards) allowed to call the API from JavaScript; none by default."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of the proxies whose `X-Forwarded-For` names the client; nobody else's is believed."""
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
    job_timeout: Annotated[int, msgspec.Meta(ge=1, le=86400)] = 600
    """Seconds a background job may run before it is cancelled and tried again. A job whose worker died is taken
    up by another worker this long (and 10 s more) after it started."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """How much the JSON log lines say; `debug` adds SQL statements (never their parameters)."""
    metrics_token: Secret | None = None
    """The bearer token a scraper shows to read `/metrics`; without one, `/metrics` is not served at all."""
    sentry_dsn: Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/@]+@[^\s/]+/\S+$")] | None = None
    """With a DSN, errors are reported to that Sentry project; without one, nothing is sent anywhere."""

    def __post_init__(self) -> None:
        checks = (self._check_database, self._check_production, self._check_providers, self._check_origins)
        for check in checks:
            check()
        self.proxy_networks  # noqa: B018 - refuses a malformed ARCO_TRUSTED_PROXIES at start

    @staticmethod
    def variable(field: str) -> str:
        """The environment variable that sets `field`."""
        return "ARCO_ENV" if field == "environment" else "ARCO_" + field.upper()

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    # What the container chooses from the settings.

    @property
    def billing_mode(self) -> Literal["stripe", "sandbox"]:
        return "stripe" if self.is_production else "sandbox"

    @property
    def webhook_signing_secret(self) -> str:
        """Stripe's webhook secret; the sandbox signs with one of its own derived from the JWT secret."""
        if self.stripe_webhook_secret:
            return self.stripe_webhook_secret
        return "whsec_sandbox_" + hashlib.sha256((self.jwt_secret or "").encode()).hexdigest()

    @property
    def stripe_prices(self) -> dict[Tier, str]:
        return {Tier.BASIC: self.stripe_price_basic, Tier.PRO: self.stripe_price_pro}

    @property
    def effective_ads_mode(self) -> Literal["live", "sandbox"]:
        return self.ads_mode or ("live" if self.is_production else "sandbox")

    @property
    def ads_lookback_days(self) -> dict[CampaignPlatform, int]:
        days = {
            CampaignPlatform.GOOGLE_ADS: self.google_ads_lookback_days,
            CampaignPlatform.META_ADS: self.meta_ads_lookback_days,
        }
        return {platform: value for platform, value in days.items() if value is not None}

    @property
    def mail_mode(self) -> Literal["resend", "log"]:
        return "resend" if self.resend_api_key else "log"

    @property
    def performance_mode(self) -> Literal["pagespeed", "sandbox"]:
        return "pagespeed" if self.pagespeed_api_key else "sandbox"

    @property
    def dns_mode(self) -> Literal["cloudflare", "sandbox"]:
        return "cloudflare" if self.cloudflare_api_token else "sandbox"

    @property
    def traffic_mode(self) -> Literal["none", "sandbox"]:
        """Production never shows invented traffic: no source until a real one is configured."""
        return "none" if self.is_production else "sandbox"

    @property
    def uptime_mode(self) -> Literal["http", "sandbox"]:
        """Only production reaches the sites clients name."""
        return "http" if self.is_production else "sandbox"

    @property
    def example_domains(self) -> bool:
        """Whether clients may add `.example` names (the demo and staging use them)."""
        return not self.is_production

    @property
    def migrates_on_start(self) -> bool:
        return self.migrate_on_start == "on" or (self.migrate_on_start is None and not self.is_production)

    @property
    def docs_page(self) -> bool:
        return self.docs == "on" or (self.docs is None and not self.is_production)

    @property
    def strict_transport(self) -> bool:
        """Send `Strict-Transport-Security`: production is only ever served over HTTPS."""
        return self.is_production

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        try:
            return tuple(ip_network(proxy) for proxy in self.trusted_proxies)
        except ValueError as error:
            raise SettingsError("ARCO_TRUSTED_PROXIES", f"{error} (addresses or networks, comma-separated)") from None

    @property
    def login_url(self) -> str:
        return self.dashboard_url or self.public_url

    @property
    def database_limits(self) -> DatabaseLimits:
        return DatabaseLimits(
            statement_timeout=timedelta(seconds=self.db_statement_timeout),
            lock_timeout=timedelta(seconds=self.db_lock_timeout),
            pool_timeout=timedelta(seconds=self.db_pool_timeout),
        )

    def for_worker(self) -> Settings:
        """These settings as the worker uses them: its statements may run `db_worker_statement_timeout`."""
        return self.replace(db_statement_timeout=self.db_worker_statement_timeout)

    # The rules between settings; each names the variable to fix.

    def _check_database(self) -> None:
        for field in ("database_url", "agency_database_url", "migration_database_url"):
            url = getattr(self, field)
            if url is not None:
                _check_database_url(self.variable(field), url)
        if (self.database_url is None) != (self.agency_database_url is None):
            # Cross-client work needs a role of its own next to a configured database, and means nothing without one.
            missing = "ARCO_AGENCY_DATABASE_URL" if self.agency_database_url is None else "ARCO_DATABASE_URL"
            raise SettingsError(
                missing, "ARCO_DATABASE_URL and ARCO_AGENCY_DATABASE_URL go together: set both or neither"
            )
        if self.database_url is not None and self.database_url == self.agency_database_url:
            raise SettingsError("ARCO_AGENCY_DATABASE_URL", "must log in as another role than ARCO_DATABASE_URL")

    def _check_production(self) -> None:
        if not self.is_production:
            return
        required = {
            # Without one, the embedded server would start: production's data never lives in a data dir.
            "database_url": "a PostgreSQL server of its own",
            # Kept in a data dir, each machine would sign with its own and refuse the others' tokens.
            "jwt_secret": "the same token signing secret in every process",
            # Rate limits and the job queue live there; each process counting alone would multiply the limits.
            "redis_url": "the job queue and the shared rate limits",
            # Elsewhere the sandbox invents performance figures; production must never show invented ones.
            "pagespeed_api_key": "performance measurement",
            # Kept next to the data they guard, keys guard nothing in production.
            "secrets_key": "sealing stored credentials",
            "scope_key": "signing the client scope of database transactions",
            "stripe_secret_key": "billing",
            "stripe_webhook_secret": "billing",
            "stripe_price_basic": "billing",
            "stripe_price_pro": "billing",
        }
        for field, purpose in required.items():
            value = getattr(self, field)
            if not value or (field.startswith("stripe_price") and value.startswith("price_sandbox")):
                raise SettingsError(self.variable(field), f"production needs it ({purpose})")

    def _check_providers(self) -> None:
        cloudflare = (self.cloudflare_api_token, self.cloudflare_account_id)
        if (self.is_production or any(cloudflare)) and not all(cloudflare):
            # A half-configured Cloudflare, or the sandbox's pretend zones in production, would lose real DNS.
            missing = "ARCO_CLOUDFLARE_ACCOUNT_ID" if self.cloudflare_api_token else "ARCO_CLOUDFLARE_API_TOKEN"
            raise SettingsError(
                missing, "Cloudflare needs both ARCO_CLOUDFLARE_API_TOKEN and ARCO_CLOUDFLARE_ACCOUNT_ID"
            )
        if self.effective_ads_mode == "live" and not (self.google_ads_client_id and self.google_ads_client_secret):
            missing = "ARCO_GOOGLE_ADS_CLIENT_SECRET" if self.google_ads_client_id else "ARCO_GOOGLE_ADS_CLIENT_ID"
            raise SettingsError(
                missing, "live ad syncs need ARCO_GOOGLE_ADS_CLIENT_ID and ARCO_GOOGLE_ADS_CLIENT_SECRET"
            )

    def _check_origins(self) -> None:
        schemes = ("https",) if self.is_production else ("https", "http")
        for origin in self.cors_origins:
            match = _ORIGIN.fullmatch(origin)
            if not match or match["scheme"] not in schemes or int(match["port"] or 0) > 65535:
                wanted = " or ".join(f"{scheme}://host[:port]" for scheme in schemes)
                raise SettingsError("ARCO_CORS_ORIGINS", f"{origin!r} is not an origin ({wanted}, comma-separated)")

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the `ARCO_*` variables of `env` (the process environment by default) describe, or
        `SystemExit` naming the first variable that cannot be used."""
        env = os.environ if env is None else env
        raw: dict[str, Any] = {}
        for field in cls.__struct_fields__:
            value = env.get(cls.variable(field), "")
            if not value.strip():
                continue
            if field == "rate_limits":
                try:
                    raw[field] = parse_rate_limits(value)
                except SettingsError as error:
                    raise SystemExit(str(error)) from None
            else:
                # Origins are compared as browsers send them: lower-case.
                value = value.lower() if field == "cors_origins" else value
                raw[field] = _split(value) if field in _LISTS else value.strip()
        try:
            return msgspec.convert(raw, cls, strict=False, dec_hook=_decode)
        except msgspec.ValidationError as error:
            raise SystemExit(_explained(error)) from None

    def replace(self, **changes: Any) -> Settings:
        """These settings with some fields changed, checked again."""
        return msgspec.structs.replace(self, **changes)


_LISTS = frozenset({"secrets_key", "cors_origins", "trusted_proxies"})
_ORIGIN = re.compile(r"(?P<scheme>https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:(?P<port>[0-9]{1,5}))?")
"""What a browser sends as `Origin`: no wildcard, credentials, path or trailing slash."""
_PERIOD_UNITS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")
_PATH = re.compile(r"at `\$\.(\w+)")
_MISSING = re.compile(r"missing required field `(\w+)`")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _decode(kind: type, value: Any) -> Any:
    """msgspec's hook for the one field type it does not convert itself, the data dir's `Path`."""
    if kind is Path and isinstance(value, str):
        return Path(value)
    # msgspec's protocol for "not a type this hook converts": it then reports the value as invalid.
    raise NotImplementedError(kind)


def _explained(error: msgspec.ValidationError) -> str:
    message = str(error)
    if missing := _MISSING.search(message):
        reason, field = "must be set", missing.group(1)
    elif found := _PATH.search(message):
        reason, field = message.split(" - at ")[0], found.group(1)
    else:
        return message  # raised by a rule between settings, which names its variable itself
    if field == "environment":
        reason += f" (one of {', '.join(Environment)})"
    return f"{Settings.variable(field)}: {reason}"


def _check_database_url(variable: str, url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(variable, "is not a database URL (postgresql+asyncpg://user@host/database)") from None
    if parsed.drivername != "postgresql+asyncpg" or not parsed.database:
        raise SettingsError(variable, "must be postgresql+asyncpg://user@host/database")


def parse_rate_limits(raw: str) -> RateLimits:
    """`login_per_address=10/minute, signup_per_address=5/hour, login_failures=5/15m` over the SPEC defaults."""
    overrides: dict[str, tuple[int, timedelta]] = {}
    for item in _split(raw):
        match = _RATE.match(item.lower())
        if not match or match.group(4) not in _PERIOD_UNITS or int(match.group(2)) < 1:
            raise SettingsError(
                "ARCO_RATE_LIMITS", f"{item!r} is not name=count/period (e.g. signup_per_address=5/hour)"
            )
        name, count, multiple, unit = match.groups()
        overrides[name] = (int(count), timedelta(seconds=int(multiple or 1) * _PERIOD_UNITS[unit]))
    try:
        return RateLimits().configured(overrides)
    except ValueError as error:
        raise SettingsError("ARCO_RATE_LIMITS", str(error)) from None
