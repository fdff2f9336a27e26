"""Outgoing e-mail."""

from __future__ import annotations

from typing import Protocol

from arco_domain.model.notifications import OutgoingEmail


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> None:
        """Deliver `email`, or raise. Sending the same `dedupe_key` twice delivers it once."""
        ...
