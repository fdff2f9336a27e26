"""Idempotency keys: the first response to a request, kept so that a retry of it gets the same answer.

Nothing here knows about HTTP frameworks or the domain: a caller (`owner`) names a request with a key it
chose and a fingerprint of the request's content; the store remembers which request the key belongs to and,
once it has one, the response to replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

RETENTION = timedelta(hours=24)
"""How long a key is remembered, counted from its claim."""

IN_FLIGHT_LEASE = timedelta(minutes=5)
"""How long an unfinished claim holds its key: far longer than any request may run, so a claim this old
belongs to a process that died mid-request, and a retry may take the key over."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response exactly as it was first sent: status, header pairs in order, and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is now the caller's: run the request, then `complete` or `release` the key."""


@dataclass(frozen=True, slots=True)
class InFlight:
    """The same request holds the key and has not finished yet; nothing was changed."""


@dataclass(frozen=True, slots=True)
class KeyReused:
    """The key belongs to a request with another fingerprint (whether finished or not); nothing was changed."""


@dataclass(frozen=True, slots=True)
class Completed:
    """The same request already ran: `response` is what it answered."""

    response: StoredResponse


ClaimOutcome = Claimed | InFlight | KeyReused | Completed


class IdempotencyStore(Protocol):
    """Keys per owner: two owners using the same key never see each other's requests or responses.

    A key lives for `RETENTION` from its claim (the adapter may be configured with another span); an
    expired key is treated as absent, so claiming it again starts afresh. Each call is durable on its own
    (it is not part of any unit of work). Failing to reach the storage raises `Unavailable`.
    """

    async def claim(self, owner: UUID, key: str, fingerprint: str) -> ClaimOutcome:
        """Take the key for the request `fingerprint`, or say why not.

        Atomic: of any number of concurrent claims of one absent key, exactly one gets `Claimed`; the
        others get `InFlight` (same fingerprint) or `KeyReused` (another one). A key that is held or
        completed answers `InFlight`, `Completed` or `KeyReused` without changing anything.
        """
        ...

    async def complete(self, owner: UUID, key: str, response: StoredResponse) -> None:
        """Keep `response` for the claimed key, to be replayed until the key expires. A key that is not in
        flight (absent, released, expired or already completed) is left as it is."""
        ...

    async def release(self, owner: UUID, key: str) -> None:
        """Give up an in-flight claim so that a retry runs the request again. A completed or absent key is
        left as it is."""
        ...

    async def purge_expired(self) -> int:
        """Forget every expired key, in flight or completed; returns how many were removed."""
        ...
