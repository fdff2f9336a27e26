"""A loopback proxy in front of PostgreSQL's Unix socket that counts the round trips its clients make.

A client waits for the server once per Sync ('S', which ends a run of extended-protocol messages: parse, bind,
execute), once per Flush ('H', which asyncpg sends to have a statement prepared and described) and once per
simple Query ('Q', any number of statements in one text). Counting those messages on
the wire, rather than statements an ORM reports, sees whatever a driver or a pool sends on its own: a BEGIN,
a COMMIT, a reset, a statement prepared again. Parse messages ('P') are counted apart: each is a statement
the server had not prepared on that connection.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

POSTGRES_PORT = 5432
_WAITS_FOR_THE_SERVER = frozenset({b"S", b"H", b"Q"})
_PARSE = b"P"
_NEGOTIATION_CODES = frozenset({80877103, 80877104})  # SSLRequest and GSSENCRequest: a startup message follows


class WireCounter:
    """Listens in `directory` as a PostgreSQL server would (a socket named for port 5432) and forwards every
    connection to the server whose socket is in `server_directory`."""

    def __init__(self, directory: Path, server_directory: str) -> None:
        self.directory = directory
        self._server_socket = str(Path(server_directory) / f".s.PGSQL.{POSTGRES_PORT}")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(directory / f".s.PGSQL.{POSTGRES_PORT}"))
        self._listener.listen()
        self._lock = threading.Lock()
        self._messages: Counter[bytes] = Counter()
        self._open: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def url_for(self, url: str) -> str:
        """`url` (an SQLAlchemy URL over a Unix socket) leading through the counter instead."""
        return re.sub(r"host=[^&]+", f"host={quote(str(self.directory))}", url)

    @property
    def round_trips(self) -> int:
        with self._lock:
            return sum(self._messages[kind] for kind in _WAITS_FOR_THE_SERVER)

    @property
    def prepared(self) -> int:
        with self._lock:
            return self._messages[_PARSE]

    @contextmanager
    def counting(self) -> Iterator[WireCount]:
        """What the clients send inside the block."""
        with self._lock:
            self._messages.clear()
        count = WireCount()
        try:
            yield count
        finally:
            count.round_trips, count.prepared = self.round_trips, self.prepared

    def close(self) -> None:
        """Stop listening and cut every connection, as a server that goes away would."""
        self._listener.close()
        for connection in list(self._open):
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self._server_socket)
            self._open += [client, server]
            threading.Thread(target=self._relay_client, args=(client, server), daemon=True).start()
            threading.Thread(target=_copy, args=(server, client), daemon=True).start()

    def _relay_client(self, client: socket.socket, server: socket.socket) -> None:
        """Forward the client's messages, counting each by its type once the startup exchange is over."""
        with suppress(OSError, ConnectionError):
            while True:
                length = struct.unpack("!I", _receive(client, 4))[0]
                body = _receive(client, length - 4)
                server.sendall(struct.pack("!I", length) + body)
                if len(body) < 4 or struct.unpack("!I", body[:4])[0] not in _NEGOTIATION_CODES:
                    break
            while True:
                kind = _receive(client, 1)
                length = struct.unpack("!I", _receive(client, 4))[0]
                body = _receive(client, length - 4)
                with self._lock:
                    self._messages[kind] += 1
                server.sendall(kind + struct.pack("!I", length) + body)
        for end in (client, server):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


class WireCount:
    """Filled in when its `counting` block ends."""

    round_trips: int = 0
    prepared: int = 0


def _receive(source: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = source.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        data += chunk
    return data


def _copy(source: socket.socket, target: socket.socket) -> None:
    with suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)
    with suppress(OSError):
        target.shutdown(socket.SHUT_RDWR)
