"""The signed client scope: what a client's unit of work tells the row-level security policies.

A session of the client-serving role names its client in two settings: the id (`arco.client_id`) and an
HMAC-SHA256 of it (`arco.scope_mac`) under a key that only the schema owner can read. The policies accept the
id only through `arco_scope_client()`, which checks the MAC with that key, so a statement that sets another
id, or none, or an invented MAC, leaves the scope empty rather than moved.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from sqlalchemy import Select, bindparam, false, func, select, text
from sqlalchemy.dialects.postgresql import BYTEA
from sqlalchemy.ext.asyncio import create_async_engine

CLIENT_SETTING = "arco.client_id"
MAC_SETTING = "arco.scope_mac"
AGENCY_ROLE = "arco_agency"
"""The role whose members the policies let see every client."""

_MESSAGE_PREFIX = b"arco-scope:"

SET_SCOPE: Select[tuple[str, str]] = select(
    func.set_config(CLIENT_SETTING, bindparam("client_id"), false()),
    func.set_config(MAC_SETTING, bindparam("mac"), false()),
)
"""Names the client for the rest of the session; built once, so it is compiled and prepared once."""


class ScopeSigner:
    """Signs a client id with the scope key, exactly as `arco_scope_client()` checks it."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("the scope key is empty")
        self._key = key.encode()

    def mac(self, client_id: UUID) -> str:
        return hmac.new(self._key, _MESSAGE_PREFIX + str(client_id).encode(), hashlib.sha256).hexdigest()

    def scope_parameters(self, client_id: UUID) -> dict[str, str]:
        """The values of `SET_SCOPE` for `client_id`."""
        return {"client_id": str(client_id), "mac": self.mac(client_id)}

    def begin_scoped(self, client_id: UUID) -> str:
        """One simple-protocol text that starts a transaction and names the client for the session, so both
        cost one round trip. That protocol takes no parameters, so the values are written into the text: the id
        parsed again as a UUID, which leaves hex digits and dashes only, and the MAC, a hex digest."""
        client = UUID(str(client_id))
        return (
            f"BEGIN; SELECT set_config('{CLIENT_SETTING}', '{client}', false),"
            f" set_config('{MAC_SETTING}', '{self.mac(client)}', false)"
        )


async def install_scope_key(owner_url: str, key: str) -> None:
    """Store `key` as the database's scope key, replacing any earlier one (processes still signing with the old
    key see nothing until they restart with the new one). `owner_url` connects as the schema owner, the role
    that migrated the database; call it after migrating."""
    engine = create_async_engine(owner_url, hide_parameters=True)  # the key is a parameter: never in a log
    try:
        async with engine.begin() as connection:
            statement = select(text("arco_private.install_scope_key(:key)").bindparams(bindparam("key", type_=BYTEA)))
            await connection.execute(statement, {"key": key.encode()})
    finally:
        await engine.dispose()
