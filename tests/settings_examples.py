"""What production requires besides the database, as settings and as environment variables: made-up values
that point nowhere a test could reach by accident."""

from __future__ import annotations

from typing import Any

from arco_entrypoints.settings import Environment, Settings

PRODUCTION: dict[str, Any] = {
    "environment": Environment.PRODUCTION,
    "redis_url": "redis://127.0.0.1:9/0",
    "pagespeed_api_key": "test-pagespeed-key",
    "secrets_key": ("k" * 43 + "=",),
    "scope_key": "a-production-scope-key-of-enough-length",
    "jwt_secret": "a-production-token-secret-of-enough-length",
    "cloudflare_api_token": "test-token",
    "cloudflare_account_id": "test-account",
    "stripe_secret_key": "sk_test_settings",
    "stripe_webhook_secret": "whsec_test_settings",
    "stripe_price_basic": "price_basic",
    "stripe_price_pro": "price_pro",
    "google_ads_client_id": "test-client-id",
    "google_ads_client_secret": "test-client-secret",
}


def as_environment(settings: dict[str, Any]) -> dict[str, str]:
    """The `ARCO_*` variables that say what `settings` says."""
    return {
        Settings.variable(field): ",".join(value) if isinstance(value, tuple) else str(value)
        for field, value in settings.items()
    }
