"""The database's two connections and the scope key: set together, named when missing, kept locally elsewhere."""

from __future__ import annotations

from pathlib import Path

from arco_entrypoints.runtime import SCOPE_KEY_FILE, scope_key
from arco_entrypoints.settings import Settings
from tests.unit.test_settings import PRODUCTION_ENV, refused

APP_URL = "postgresql+asyncpg://app@db/arco"
AGENCY_URL = "postgresql+asyncpg://agency@db/arco"


class TestDatabaseConnections:
    def test_a_configured_database_needs_the_agency_connection_too(self) -> None:
        assert "ARCO_AGENCY_DATABASE_URL" in refused({"ARCO_ENV": "staging", "ARCO_DATABASE_URL": APP_URL})

    def test_an_agency_connection_alone_is_refused(self) -> None:
        assert "ARCO_DATABASE_URL" in refused({"ARCO_ENV": "staging", "ARCO_AGENCY_DATABASE_URL": AGENCY_URL})

    def test_the_two_connections_may_not_be_one(self) -> None:
        env = {"ARCO_ENV": "staging", "ARCO_DATABASE_URL": APP_URL, "ARCO_AGENCY_DATABASE_URL": APP_URL}
        assert "another role" in refused(env)

    def test_both_connections_are_kept(self) -> None:
        env = {"ARCO_ENV": "staging", "ARCO_DATABASE_URL": APP_URL, "ARCO_AGENCY_DATABASE_URL": AGENCY_URL}
        settings = Settings.from_environment(env)
        assert (settings.database_url, settings.agency_database_url) == (APP_URL, AGENCY_URL)


class TestScopeKey:
    def test_production_names_the_missing_key(self) -> None:
        env = {name: value for name, value in PRODUCTION_ENV.items() if name != "ARCO_SCOPE_KEY"}
        assert refused(env).startswith("ARCO_SCOPE_KEY: ")

    def test_a_short_key_is_refused(self) -> None:
        assert "ARCO_SCOPE_KEY" in refused({"ARCO_ENV": "staging", "ARCO_SCOPE_KEY": "too-short"})

    def test_a_configured_key_is_used_as_given(self, tmp_path: Path) -> None:
        key = "a-configured-scope-key-of-enough-length"
        settings = Settings.from_environment(
            {"ARCO_ENV": "staging", "ARCO_SCOPE_KEY": key, "ARCO_DATA_DIR": str(tmp_path)}
        )
        assert scope_key(settings) == key
        assert not (tmp_path / SCOPE_KEY_FILE).exists()

    def test_outside_production_one_is_made_once_in_the_data_dir(self, tmp_path: Path) -> None:
        settings = Settings.from_environment({"ARCO_ENV": "staging", "ARCO_DATA_DIR": str(tmp_path)})
        first = scope_key(settings)
        assert len(first) >= 32 and scope_key(settings) == first
        assert (tmp_path / SCOPE_KEY_FILE).stat().st_mode & 0o777 == 0o600
