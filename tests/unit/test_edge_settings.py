"""What the HTTP edge offers browsers, read from the environment: the docs page, CORS origins, HSTS."""

from __future__ import annotations

import pytest

from arco_entrypoints.settings import EdgeSettings, Environment, Settings


class TestEdgeSettings:
    def test_production_serves_no_docs_page_allows_no_origin_and_sends_hsts(self) -> None:
        assert EdgeSettings.from_environment({}, Environment.PRODUCTION) == EdgeSettings(
            docs=False, cors_origins=(), strict_transport=True
        )

    def test_staging_serves_the_docs_page_without_hsts(self) -> None:
        assert EdgeSettings.from_environment({}, Environment.STAGING) == EdgeSettings(
            docs=True, cors_origins=(), strict_transport=False
        )

    @pytest.mark.parametrize(
        ("value", "environment", "docs"),
        [
            ("on", Environment.PRODUCTION, True),
            ("off", Environment.STAGING, False),
            ("off", Environment.PRODUCTION, False),
        ],
    )
    def test_arco_docs_turns_the_page_on_or_off(self, value: str, environment: Environment, docs: bool) -> None:
        assert EdgeSettings.from_environment({"ARCO_DOCS": value}, environment).docs is docs

    def test_arco_docs_takes_only_on_or_off(self) -> None:
        with pytest.raises(SystemExit, match="ARCO_DOCS"):
            EdgeSettings.from_environment({"ARCO_DOCS": "yes"}, Environment.STAGING)

    def test_cors_origins_are_a_comma_separated_list(self) -> None:
        edge = EdgeSettings.from_environment(
            {"ARCO_CORS_ORIGINS": " https://Dashboard.example.com , https://admin.example.com:8443,"},
            Environment.PRODUCTION,
        )
        assert edge.cors_origins == ("https://dashboard.example.com", "https://admin.example.com:8443")

    def test_outside_production_a_local_dashboard_may_use_http(self) -> None:
        edge = EdgeSettings.from_environment({"ARCO_CORS_ORIGINS": "http://localhost:5173"}, Environment.STAGING)
        assert edge.cors_origins == ("http://localhost:5173",)

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
        with pytest.raises(SystemExit, match="ARCO_CORS_ORIGINS"):
            EdgeSettings.from_environment({"ARCO_CORS_ORIGINS": origins}, Environment.PRODUCTION)

    def test_the_settings_carry_the_edge_read_from_the_environment(self) -> None:
        settings = Settings.from_environment(
            {"ARCO_ENV": "staging", "ARCO_DOCS": "off", "ARCO_CORS_ORIGINS": "https://dashboard.example.com"}
        )
        assert settings.edge == EdgeSettings(
            docs=False, cors_origins=("https://dashboard.example.com",), strict_transport=False
        )
