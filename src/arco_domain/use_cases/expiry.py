"""Domain expiry warnings (the worker runs them daily): the client's owner hears 30, 7 and 1 days ahead.

The rule (`expiry_warnings`): a domain warns on the UTC day its SSL certificate expiry, or its renewal date,
is exactly 30, 7 or 1 days ahead; on no other day. A day the job did not run is not caught up the next day
(the next mark still comes), and a date already past warns no more: the dashboard shows the expired state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from enum import StrEnum

from arco_domain.ids import ClientId, DomainId
from arco_domain.model.access import DataScope
from arco_domain.model.clients import MemberRole
from arco_domain.model.domains import Domain
from arco_domain.model.notifications import OutgoingEmail
from arco_domain.use_cases.base import request_email
from arco_ports.clock import Clock
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

WARNING_MARKS = (30, 7, 1)
"""Days ahead of an expiry on which its warning goes out."""


class Expiry(StrEnum):
    SSL = "ssl"
    RENEWAL = "renewal"


@dataclass(frozen=True, slots=True)
class ExpiryWarning:
    """`domain`'s `kind` of expiry falls on `due_on`, `days` ahead of the day it is warned of."""

    domain_id: DomainId
    client_id: ClientId
    domain_name: str
    kind: Expiry
    due_on: date
    days: int

    @property
    def dedupe_key(self) -> str:
        # The due date is part of it: next year's renewal (or the next certificate) is a new warning.
        return f"expiry-{self.domain_id}-{self.kind}-{self.due_on.isoformat()}-{self.days}"


def expiry_warnings(domain: Domain, today: date) -> tuple[ExpiryWarning, ...]:
    """The warnings `domain` owes on `today`: one per expiry exactly at a mark of `WARNING_MARKS`."""
    due = ((Expiry.SSL, domain.ssl_expires_on), (Expiry.RENEWAL, domain.renewal_date))
    return tuple(
        ExpiryWarning(domain.id, domain.client_id, domain.name, kind, on, (on - today).days)
        for kind, on in due
        if on is not None and (on - today).days in WARNING_MARKS
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class WarnOfExpiries:
    """E-mail each client's owner, with the agency's staff inbox as a second recipient, the warnings due today.

    One unit of work over every client. Each warning is one e-mail whose dedupe key names the domain, the kind
    of expiry, its date and the mark, so running the check again on the same day sends nothing new.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    staff_inbox: str

    async def __call__(self) -> tuple[ExpiryWarning, ...]:
        today = self.clock.now().astimezone(UTC).date()
        warned: list[ExpiryWarning] = []
        async with self.uow(DataScope.all_clients()) as uow:
            owners: dict[ClientId, Sequence[str]] = {}
            for domain in await uow.domains.list_all():
                for warning in expiry_warnings(domain, today):
                    if warning.client_id not in owners:
                        owners[warning.client_id] = await _owner_addresses(uow, warning.client_id)
                    await request_email(uow, self._notice(warning, owners[warning.client_id]))
                    warned.append(warning)
            await uow.commit()
        return tuple(warned)

    def _notice(self, warning: ExpiryWarning, owners: Sequence[str]) -> OutgoingEmail:
        when = f"in {warning.days} day{'s' if warning.days > 1 else ''}, on {warning.due_on:%Y-%m-%d}"
        if warning.kind is Expiry.SSL:
            subject = f"The SSL certificate of {warning.domain_name} expires {when}"
            text = (
                f"The SSL certificate of {warning.domain_name} expires {when}. After that, browsers warn "
                "visitors that the site is not secure. Reply to this e-mail if you would like help renewing it."
            )
        else:
            subject = f"{warning.domain_name} is due for renewal {when}"
            text = (
                f"The registration of {warning.domain_name} is due for renewal {when}. Unless it is renewed, "
                "the domain stops working, and the site and e-mail on it with it. Reply to this e-mail if you "
                "would like help renewing it."
            )
        recipients = tuple(dict.fromkeys((*owners, self.staff_inbox)))  # in order, never twice
        return OutgoingEmail(to=recipients, subject=subject, text=text, dedupe_key=warning.dedupe_key)


async def _owner_addresses(uow: UnitOfWork, client_id: ClientId) -> Sequence[str]:
    """The client's owner's address (the first owner's, should there be several); none for a client without one."""
    members = await uow.members.list_for_client(client_id)
    return [m.email for m in members if m.role is MemberRole.OWNER][:1]
