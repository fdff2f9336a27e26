"""Configuration from the environment, read once by the entrypoints (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Settings:
    environment: Environment
    data_dir: Path
    database_url: str | None
    """The application's connection (a role without BYPASSRLS); `None` starts the embedded server."""
    migration_database_url: str | None
    """The schema owner's connection for migrations; defaults to `database_url`."""
    jwt_secret: str | None
    """HS256 signing secret (Supabase's JWT secret to accept its tokens); `None` keeps one in the data dir."""

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            environment = Environment(env.get("ARCO_ENV", "staging"))
        except ValueError:
            raise SystemExit(f"ARCO_ENV must be one of {', '.join(Environment)}") from None
        database_url = env.get("ARCO_DATABASE_URL") or None
        return cls(
            environment=environment,
            data_dir=Path(env.get("ARCO_DATA_DIR", ".arco")),
            database_url=database_url,
            migration_database_url=env.get("ARCO_MIGRATION_DATABASE_URL") or database_url,
            jwt_secret=env.get("ARCO_JWT_SECRET") or None,
        )
