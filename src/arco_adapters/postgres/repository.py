"""What every PostgreSQL repository shares: the one execution helper that turns database errors into domain
errors, the row lock of a change, and the unit's session each area builds its repositories on.

Each area's module translates its rows to domain entities and offers the mixin that gives a unit of work its
repositories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, NoReturn, Protocol

from sqlalchemy import Executable, Row, Select
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, StatementError

from arco_adapters.postgres.connections import faults_as_unavailable, sqlstate
from arco_domain.errors import Conflict, NotFound, ValidationError
from arco_domain.model.access import DataScope

_UNIQUE, _FOREIGN_KEY, _CHECK, _RLS = "23505", "23503", "23514", "42501"
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})  # a NUL byte, or a character the encoding cannot hold


def _refuse(error: DBAPIError) -> NoReturn:
    """Re-raise a database refusal as the domain error that means the same."""
    origin = error.orig
    state = sqlstate(error)
    detail = str(getattr(origin, "__cause__", None) or origin).splitlines()[0]
    if state == _UNIQUE:
        raise Conflict("a record with the same unique values already exists") from error
    if state == _FOREIGN_KEY:
        raise NotFound("referenced row", detail) from error
    if state == _CHECK:
        raise ValidationError("the values break a rule of the stored data") from error
    if state in _UNSTORABLE_TEXT:
        raise ValidationError("the text holds characters that cannot be stored (a NUL byte, say)") from error
    if state == _RLS:
        raise NotFound("client", "outside this unit of work's scope") from error
    raise error


class UnitSession(Protocol):
    """The connection of an open unit of work, as its repositories run statements on it: before a statement
    it sends what that statement needs first (the client's scope, the start of the transaction)."""

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None) -> CursorResult[Any]: ...


class Repository:
    def __init__(self, session: UnitSession) -> None:
        self._session = session

    async def _run(self, statement: Executable) -> CursorResult[Any]:
        return await self._run_with(statement, None)

    async def _run_with(self, statement: Executable, parameters: Mapping[str, Any] | None) -> CursorResult[Any]:
        """Run `statement` with values for its bound parameters. A database that is gone, or slower than its
        limits, is `Unavailable`; a refusal of the data is the domain error that means the same."""
        try:
            with faults_as_unavailable():
                return await self._session.execute(statement, parameters)
        except DBAPIError as error:
            _refuse(error)
        except StatementError as error:
            if isinstance(error.orig, UnicodeEncodeError):  # lone surrogates never reach the server
                raise ValidationError("the text is not valid Unicode") from error
            raise

    async def _one(self, statement: Executable, kind: str, key: object) -> Row[Any]:
        row = (await self._run(statement)).first()
        if row is None:
            raise NotFound(kind, key)
        return row

    async def _all(self, statement: Executable) -> Sequence[Row[Any]]:
        return (await self._run(statement)).all()

    async def _must_change(self, statement: Executable, kind: str, key: object) -> None:
        if (await self._run(statement)).rowcount == 0:
            raise NotFound(kind, key)


def locked(query: Select[Any]) -> Select[Any]:
    """`query`, holding the rows it reads until the transaction ends.

    FOR NO KEY UPDATE is the lock an UPDATE that leaves the key alone takes: it queues behind another unit's
    lock or write of the row and then reads the committed row, yet lets rows that refer to the locked one (a
    ticket's messages, a project's milestones) be inserted meanwhile.
    """
    return query.with_for_update(key_share=True)


class UnitConnection:
    """The session a PostgreSQL unit of work holds while it is open: what each area's mixin builds its
    repositories on, each once per unit and only when first used."""

    _session: UnitSession | None
    _scope: DataScope

    @property
    def _open_connection(self) -> UnitSession:
        if self._session is None:
            raise AttributeError("repositories exist only while their unit of work is open")
        return self._session

    def _forget_repositories(self) -> None:
        """Drop the repositories built on the connection the unit just closed: entered again, the unit builds
        new ones on its new connection, and until then reaching for one fails as it did before the start."""
        built = [name for name in vars(self) if isinstance(getattr(type(self), name, None), cached_property)]
        for name in built:
            del self.__dict__[name]
