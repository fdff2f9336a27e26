"""Settings are one typed object read from the environment; a missing or bad value stops the start with a
message naming the variable."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest

from arco_domain.model.tiers import CampaignPlatform, Tier
from arco_entrypoints.settings import Environment, Settings
from tests.settings_examples import PRODUCTION, as_environment

APP_URL = "postgresql+asyncpg://app@db/arco"
AGENCY_URL = "postgresql+asyncpg://agency@db/arco"
PRODUCTION_ENV = {**as_environment(PRODUCTION), "ARCO_DATABASE_URL": APP_URL, "ARCO_AGENCY_DATABASE_URL": AGENCY_URL}


def refused(env: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        Settings.from_environment(env)
    return str(stopped.value)


def staging(**variables: str) -> dict[str, str]:
    return {"ARCO_ENV": "staging", **variables}


class TestEnvironment:
    @pytest.mark.parametrize("value", [None, "", "  ", "prod", "Production"])
    def test_a_missing_or_unknown_environment_stops_the_start(self, value: str | None) -> None:
        env = {} if value is None else {"ARCO_ENV": value}
        message = refused(env)
        assert message.startswith("ARCO_ENV: ") and "production, staging, test" in message

    def test_staging_needs_nothing_else(self) -> None:
        settings = Settings.from_environment(staging())
        assert (settings.environment, settings.data_dir, settings.database_url) == (
            Environment.STAGING,
            Path(".arco"),
            None,
        )

    def test_production_with_everything_starts(self) -> None:
        assert Settings.from_environment(PRODUCTION_ENV).is_production

    @pytest.mark.parametrize(
        "variable",
        ["ARCO_JWT_SECRET", "ARCO_REDIS_URL", "ARCO_PAGESPEED_API_KEY", "ARCO_SECRETS_KEY", "ARCO_SCOPE_KEY",
         "ARCO_STRIPE_SECRET_KEY", "ARCO_STRIPE_WEBHOOK_SECRET", "ARCO_STRIPE_PRICE_BASIC", "ARCO_CLOUDFLARE_API_TOKEN",
         "ARCO_GOOGLE_ADS_CLIENT_ID"],
    )  # fmt: skip
    def test_production_names_each_credential_it_lacks(self, variable: str) -> None:
        env = {name: value for name, value in PRODUCTION_ENV.items() if name != variable}
        assert refused(env).startswith(f"{variable}: ")

    def test_production_never_starts_the_embedded_database(self) -> None:
        env = {name: value for name, value in PRODUCTION_ENV.items() if "DATABASE_URL" not in name}
        assert refused(env).startswith("ARCO_DATABASE_URL: ")

    def test_production_refuses_the_sandbox_prices(self) -> None:
        assert refused({**PRODUCTION_ENV, "ARCO_STRIPE_PRICE_PRO": "price_sandbox_pro"}).startswith(
            "ARCO_STRIPE_PRICE_PRO: "
        )


class TestValues:
    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            ("ARCO_JWT_SECRET", "too-short"),
            ("ARCO_SCOPE_KEY", "too-short"),
            ("ARCO_DB_POOL_SIZE", "many"),
            ("ARCO_DB_POOL_SIZE", "0"),
            ("ARCO_GOOGLE_ADS_LOOKBACK_DAYS", "91"),
            ("ARCO_ADS_MODE", "maybe"),
            ("ARCO_DOCS", "yes"),
        ],
    )
    def test_a_bad_value_names_its_variable(self, variable: str, value: str) -> None:
        assert refused(staging(**{variable: value})).startswith(f"{variable}: ")

    @pytest.mark.parametrize(
        "url",
        ["mysql://app@db/arco", "postgresql+asyncpg://app@db", "not a url at all", "postgresql+psycopg://app@db/arco"],
    )
    def test_a_malformed_database_url_is_refused(self, url: str) -> None:
        assert refused(staging(ARCO_DATABASE_URL=url, ARCO_AGENCY_DATABASE_URL=AGENCY_URL)).startswith(
            "ARCO_DATABASE_URL: "
        )

    def test_numbers_and_lists_are_read_from_their_text(self) -> None:
        settings = Settings.from_environment(
            staging(ARCO_DB_POOL_SIZE="25", ARCO_SECRETS_KEY="new, old", ARCO_META_ADS_LOOKBACK_DAYS="7")
        )
        assert settings.db_pool_size == 25
        assert settings.secrets_key == ("new", "old")
        assert settings.ads_lookback_days == {CampaignPlatform.META_ADS: 7}

    def test_what_the_container_chooses_follows_the_environment(self) -> None:
        staged = Settings.from_environment(staging())
        produced = Settings.from_environment(PRODUCTION_ENV)
        assert (staged.billing_mode, produced.billing_mode) == ("sandbox", "stripe")
        assert (staged.effective_ads_mode, produced.effective_ads_mode) == ("sandbox", "live")
        assert (staged.traffic_mode, produced.traffic_mode) == ("sandbox", "none")
        assert (staged.uptime_mode, produced.uptime_mode) == ("sandbox", "http")
        assert produced.stripe_prices == {Tier.BASIC: "price_basic", Tier.PRO: "price_pro"}
        assert staged.webhook_signing_secret.startswith("whsec_sandbox_")

    def test_a_change_is_checked_again(self) -> None:
        settings = Settings.from_environment(staging())
        with pytest.raises(ValueError, match="ARCO_AGENCY_DATABASE_URL"):
            settings.replace(database_url=APP_URL)


class TestRateLimits:
    def test_the_defaults_are_the_specifications(self) -> None:
        limits = Settings.from_environment(staging()).rate_limits
        assert (limits.login_per_address.limit, limits.login_per_address.period) == (10, timedelta(minutes=1))
        assert (limits.signup_per_address.limit, limits.signup_per_address.period) == (5, timedelta(hours=1))
        first_rung = limits.login_failures[0]
        assert (first_rung.limit, first_rung.period) == (5, timedelta(minutes=15))

    def test_limits_can_be_configured(self) -> None:
        env = staging(ARCO_RATE_LIMITS="signup_per_address=3/hour, login_failures=4/15m")
        limits = Settings.from_environment(env).rate_limits
        assert (limits.signup_per_address.limit, limits.signup_per_address.period) == (3, timedelta(hours=1))
        assert [(r.limit, r.period) for r in limits.login_failures[:2]] == [
            (4, timedelta(minutes=15)),
            (8, timedelta(hours=1)),
        ]

    @pytest.mark.parametrize(
        "value", ["signup_per_address=many/hour", "signup=5/hour", "signup_per_address=0/hour", "login_per_address=5"]
    )
    def test_a_bad_limit_names_the_variable(self, value: str) -> None:
        assert refused(staging(ARCO_RATE_LIMITS=value)).startswith("ARCO_RATE_LIMITS: ")


class TestTrustedProxies:
    def test_networks_are_read(self) -> None:
        settings = Settings.from_environment(staging(ARCO_TRUSTED_PROXIES="10.0.0.0/8, 2001:db8::1"))
        assert settings.proxy_networks == (ip_network("10.0.0.0/8"), ip_network("2001:db8::1/128"))

    def test_a_bad_network_names_the_variable(self) -> None:
        assert refused(staging(ARCO_TRUSTED_PROXIES="10.0.0.0/33")).startswith("ARCO_TRUSTED_PROXIES: ")


class TestEdge:
    def test_production_serves_no_docs_page_and_sends_hsts(self) -> None:
        settings = Settings.from_environment(PRODUCTION_ENV)
        assert (settings.docs_page, settings.strict_transport, settings.cors_origins) == (False, True, ())

    def test_staging_serves_the_docs_page_without_hsts(self) -> None:
        settings = Settings.from_environment(staging())
        assert (settings.docs_page, settings.strict_transport) == (True, False)

    @pytest.mark.parametrize(
        ("value", "production", "page"), [("on", True, True), ("off", False, False), ("off", True, False)]
    )
    def test_arco_docs_turns_the_page_on_or_off(self, value: str, production: bool, page: bool) -> None:
        env = {**PRODUCTION_ENV, "ARCO_DOCS": value} if production else staging(ARCO_DOCS=value)
        assert Settings.from_environment(env).docs_page is page

    def test_cors_origins_are_a_comma_separated_list(self) -> None:
        env = {
            **PRODUCTION_ENV,
            "ARCO_CORS_ORIGINS": " https://Dashboard.example.com , https://admin.example.com:8443,",
        }
        assert Settings.from_environment(env).cors_origins == (
            "https://dashboard.example.com",
            "https://admin.example.com:8443",
        )

    def test_outside_production_a_local_dashboard_may_use_http(self) -> None:
        env = staging(ARCO_CORS_ORIGINS="http://localhost:5173")
        assert Settings.from_environment(env).cors_origins == ("http://localhost:5173",)

    @pytest.mark.parametrize(
        "origins",
        [
            "*",
            "https://*.example.com",
            "https://dashboard.example.com/",
            "https://dashboard.example.com/app",
            "https://user@dashboard.example.com",
            "https://dashboard.example.com:99999",
            "dashboard.example.com",
            "null",
            "http://dashboard.example.com",
            "https://dashboard.example.com,ftp://files.example.com",
        ],
    )
    def test_anything_but_an_origin_stops_the_start_naming_the_variable(self, origins: str) -> None:
        assert refused({**PRODUCTION_ENV, "ARCO_CORS_ORIGINS": origins}).startswith("ARCO_CORS_ORIGINS: ")
