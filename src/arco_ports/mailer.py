"""Outgoing e-mail."""

from __future__ import annotations

from typing import Protocol

from arco_domain.model.notifications import OutgoingEmail


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Deliver `email`, or raise. Sending the same `dedupe_key` twice delivers it once."""
        ...


class MailLog(Mailer, Protocol):
    """A record of outgoing e-mail: as a `Mailer` it records without delivering; a delivering mailer writes to it
    what its provider accepted, so a retry never delivers the same e-mail twice."""

    async def mark_sent(self, dedupe_key: str, provider_message_id: str) -> None:
        """Mark the recorded e-mail accepted by the provider; `NotFound` when it was never recorded."""
        ...

    async def is_sent(self, dedupe_key: str) -> bool:
        """Whether a provider has already accepted the e-mail with this `dedupe_key`."""
        ...
