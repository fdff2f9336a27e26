"""`WarnOfExpiries` over the memory adapters: the 30/7/1-day marks, recipients, and re-runs sending nothing new."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from uuid import uuid4

from arco_adapters.memory.jobs import requested_jobs
from arco_domain.ids import ClientId, DomainId
from arco_domain.model.access import DataScope, Principal
from arco_domain.model.clients import Client
from arco_domain.model.domains import Domain, DomainStatus, SslStatus
from arco_domain.model.notifications import SEND_EMAIL_JOB, OutgoingEmail, email_from_job
from arco_domain.model.tiers import Tier
from arco_domain.use_cases.clients import ChangePlan
from arco_domain.use_cases.domains import AddDomain
from arco_domain.use_cases.expiry import Expiry, ExpiryWarning, WarnOfExpiries, expiry_warnings
from arco_domain.use_cases.members import InviteMember
from tests.unit.conftest import START, World

STAFF_INBOX = "support@agency.example"
TODAY = START.date()


def emails(world: World) -> dict[str, OutgoingEmail]:
    """The e-mails committed units of work asked the worker to send, by dedupe key."""
    return {
        key: email_from_job(payload, key)
        for key, (job, payload) in requested_jobs(world.uow.store).items()
        if job == SEND_EMAIL_JOB
    }


async def customer(world: World, email: str) -> tuple[Client, Principal]:
    client, owner = await world.register(email, email.split("@")[1])
    await world.build(ChangePlan)(world.staff(), client.id, tier=Tier.PRO)
    return client, owner


async def domain(
    world: World, owner: Principal, name: str, *, ssl_in: int | None = None, renewal_in: int | None = None
) -> Domain:
    """A domain of `owner`'s client whose certificate expires, and registration renews, so many days from today."""
    added = await world.build(AddDomain)(owner, owner.own_client(), name=name)
    dated = dataclasses.replace(
        added,
        ssl_expires_on=None if ssl_in is None else TODAY + timedelta(days=ssl_in),
        renewal_date=None if renewal_in is None else TODAY + timedelta(days=renewal_in),
    )
    async with world.uow(DataScope.of_client(dated.client_id)) as uow:
        await uow.domains.update(dated)
        await uow.commit()
    return dated


async def warn(world: World) -> tuple[ExpiryWarning, ...]:
    return await world.build(WarnOfExpiries, staff_inbox=STAFF_INBOX)()


class TestWarnOfExpiries:
    async def test_a_certificate_is_warned_of_30_7_and_1_days_ahead_and_on_no_other_day(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        shop = await domain(world, owner, "shop.example.com", ssl_in=31)
        days_ahead_when_warned = []

        for days_ahead in range(31, -3, -1):
            if await warn(world):
                days_ahead_when_warned.append(days_ahead)
            world.clock.advance(timedelta(days=1))

        assert days_ahead_when_warned == [30, 7, 1]
        expires = shop.ssl_expires_on
        assert sorted(emails(world)) == sorted(f"expiry-{shop.id}-ssl-{expires}-{n}" for n in (30, 7, 1))

    async def test_29_and_8_days_ahead_and_dates_already_past_send_nothing(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        for n, days in enumerate((29, 8, 31, 6, 2, 0, -1, -7, -30)):
            await domain(world, owner, f"site{n}.example.com", ssl_in=days, renewal_in=days)

        assert await warn(world) == ()
        assert emails(world) == {}

    async def test_a_renewal_date_7_days_ahead_mails_the_owner_and_the_staff_inbox(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        await world.build(InviteMember)(owner, owner.own_client(), email="designer@shop.example.com")
        shop = await domain(world, owner, "shop.example.com", renewal_in=7)

        (warning,) = await warn(world)

        assert (warning.kind, warning.days, warning.due_on) == (Expiry.RENEWAL, 7, date(2026, 3, 9))
        (email,) = emails(world).values()
        assert email.to == ("owner@shop.example.com", STAFF_INBOX)
        assert email.subject == "shop.example.com is due for renewal in 7 days, on 2026-03-09"
        assert "renewal in 7 days, on 2026-03-09" in email.text
        assert email.dedupe_key == f"expiry-{shop.id}-renewal-2026-03-09-7"

    async def test_a_certificate_expiring_tomorrow_says_so_in_its_subject(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        await domain(world, owner, "shop.example.com", ssl_in=1)

        await warn(world)

        (email,) = emails(world).values()
        assert email.subject == "The SSL certificate of shop.example.com expires in 1 day, on 2026-03-03"

    async def test_running_twice_on_the_same_day_requests_one_email_per_mark(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        shop = await domain(world, owner, "shop.example.com", ssl_in=30, renewal_in=30)
        await warn(world)
        first = emails(world)

        again = await warn(world)

        assert [(w.kind, w.days) for w in again] == [(Expiry.SSL, 30), (Expiry.RENEWAL, 30)]
        assert emails(world) == first
        assert sorted(first) == [f"expiry-{shop.id}-renewal-2026-04-01-30", f"expiry-{shop.id}-ssl-2026-04-01-30"]

    async def test_another_clients_domain_is_never_mailed_to_this_clients_owner(self, world: World) -> None:
        _, ana = await customer(world, "ana@shop.example.com")
        _, bruno = await customer(world, "bruno@blog.example.com")
        shop = await domain(world, ana, "shop.example.com", ssl_in=7)
        blog = await domain(world, bruno, "blog.example.com", ssl_in=7, renewal_in=30)

        await warn(world)

        assert {key: email.to for key, email in emails(world).items()} == {
            f"expiry-{shop.id}-ssl-2026-03-09-7": ("ana@shop.example.com", STAFF_INBOX),
            f"expiry-{blog.id}-ssl-2026-03-09-7": ("bruno@blog.example.com", STAFF_INBOX),
            f"expiry-{blog.id}-renewal-2026-04-01-30": ("bruno@blog.example.com", STAFF_INBOX),
        }

    async def test_a_renewed_certificate_is_warned_of_again_at_its_own_marks(self, world: World) -> None:
        _, owner = await customer(world, "owner@shop.example.com")
        shop = await domain(world, owner, "shop.example.com", ssl_in=30)
        await warn(world)

        renewed = dataclasses.replace(shop, ssl_expires_on=TODAY + timedelta(days=120))
        async with world.uow(DataScope.of_client(shop.client_id)) as uow:
            await uow.domains.update(renewed)
            await uow.commit()
        world.clock.advance(timedelta(days=90))
        await warn(world)

        assert sorted(emails(world)) == sorted(
            (f"expiry-{shop.id}-ssl-{shop.ssl_expires_on}-30", f"expiry-{shop.id}-ssl-{renewed.ssl_expires_on}-30")
        )


class TestExpiryWarnings:
    def test_only_the_dates_exactly_at_a_mark_are_owed_and_each_kind_on_its_own(self) -> None:
        undated = Domain(
            id=DomainId(uuid4()), client_id=ClientId(uuid4()), name="shop.example.com", status=DomainStatus.ACTIVE,
            nameservers=(), ssl_status=SslStatus.ACTIVE, ssl_expires_on=None, renewal_date=None, project_id=None,
            created_at=START,
        )  # fmt: skip
        assert expiry_warnings(undated, TODAY) == ()
        dated = dataclasses.replace(undated, ssl_expires_on=TODAY + timedelta(days=1), renewal_date=TODAY)
        assert expiry_warnings(dated, TODAY) == (
            ExpiryWarning(undated.id, undated.client_id, "shop.example.com", Expiry.SSL, TODAY + timedelta(days=1), 1),
        )
        assert [(w.kind, w.days) for w in expiry_warnings(dated, TODAY - timedelta(days=29))] == [
            (Expiry.SSL, 30),
        ]
        assert [(w.kind, w.days) for w in expiry_warnings(dated, TODAY - timedelta(days=7))] == [(Expiry.RENEWAL, 7)]
