"""A mailer that keeps what it was asked to send."""

from __future__ import annotations

from arco_domain.model.notifications import OutgoingEmail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: dict[str, OutgoingEmail] = {}

    async def send(self, email: OutgoingEmail) -> None:
        self.sent.setdefault(email.dedupe_key, email)
