"""Settings fail closed: a missing or bad value stops the start with a message naming the variable."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network

import pytest

from arco_entrypoints.settings import Environment, Settings

PRODUCTION = {
    "ARCO_ENV": "production",
    "ARCO_DATABASE_URL": "postgresql+asyncpg://app@db/arco",
    "ARCO_AGENCY_DATABASE_URL": "postgresql+asyncpg://agency@db/arco",
    "ARCO_PAGESPEED_API_KEY": "key",
    "ARCO_SECRETS_KEY": "k" * 44,
    "ARCO_CLOUDFLARE_API_TOKEN": "token",
    "ARCO_CLOUDFLARE_ACCOUNT_ID": "account",
    "ARCO_STRIPE_SECRET_KEY": "sk_live_x",
    "ARCO_STRIPE_WEBHOOK_SECRET": "whsec_x",
    "ARCO_STRIPE_PRICE_BASIC": "price_b",
    "ARCO_STRIPE_PRICE_PRO": "price_p",
    "ARCO_GOOGLE_ADS_CLIENT_ID": "id",
    "ARCO_GOOGLE_ADS_CLIENT_SECRET": "secret",
    "ARCO_REDIS_URL": "redis://cache:6379/0",
    "ARCO_SCOPE_KEY": "s" * 48,
}


def refused(env: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        Settings.from_environment(env)
    return str(stopped.value)


class TestEnvironment:
    @pytest.mark.parametrize("value", [None, "", "prod", "Production"])
    def test_a_missing_or_unknown_environment_stops_the_start(self, value: str | None) -> None:
        env = {} if value is None else {"ARCO_ENV": value}
        assert "ARCO_ENV" in refused(env)

    def test_staging_needs_nothing_else(self) -> None:
        assert Settings.from_environment({"ARCO_ENV": "staging"}).environment is Environment.STAGING

    def test_production_with_everything_starts(self) -> None:
        assert Settings.from_environment(PRODUCTION).environment is Environment.PRODUCTION

    def test_production_needs_the_shared_rate_limit_server(self) -> None:
        env = {k: v for k, v in PRODUCTION.items() if k != "ARCO_REDIS_URL"}
        assert "ARCO_REDIS_URL" in refused(env)


class TestRateLimits:
    def test_the_defaults_are_the_specifications(self) -> None:
        limits = Settings.from_environment({"ARCO_ENV": "test"}).rate_limits
        assert (limits.login_per_address.limit, limits.login_per_address.period) == (10, timedelta(minutes=1))
        assert (limits.signup_per_address.limit, limits.signup_per_address.period) == (5, timedelta(hours=1))
        first_rung = limits.login_failures[0]
        assert (first_rung.limit, first_rung.period) == (5, timedelta(minutes=15))

    def test_limits_can_be_configured(self) -> None:
        env = {"ARCO_ENV": "test", "ARCO_RATE_LIMITS": "signup_per_address=3/hour, login_failures=4/15m"}
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
        assert "ARCO_RATE_LIMITS" in refused({"ARCO_ENV": "test", "ARCO_RATE_LIMITS": value})


class TestTrustedProxies:
    def test_networks_are_read(self) -> None:
        env = {"ARCO_ENV": "test", "ARCO_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1"}
        assert Settings.from_environment(env).trusted_proxies == (
            ip_network("10.0.0.0/8"),
            ip_network("2001:db8::1/128"),
        )

    def test_a_bad_network_names_the_variable(self) -> None:
        assert "ARCO_TRUSTED_PROXIES" in refused({"ARCO_ENV": "test", "ARCO_TRUSTED_PROXIES": "10.0.0.0/33"})
