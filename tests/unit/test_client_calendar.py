"""A client's months start at midnight in its own time zone: ticket quota periods, the dashboard's month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId
from arco_domain.model.access import Principal
from arco_domain.model.clients import DEFAULT_TIME_ZONE, Client
from arco_domain.model.quotas import BillingPeriod, QuotaStatus, calendar_month_key
from arco_domain.model.tiers import Resource, Tier
from arco_domain.model.uptime import month_window
from arco_domain.use_cases.clients import GetUsage
from arco_domain.use_cases.tickets import CreateTicket
from tests.unit.conftest import World

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
ZONES = st.sampled_from(["America/Sao_Paulo", "Europe/Lisbon", "Asia/Tokyo", "Pacific/Kiritimati", "UTC"])
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def client(time_zone: str = DEFAULT_TIME_ZONE, billing_period: BillingPeriod | None = None) -> Client:
    return Client(
        ClientId(uuid4()),
        "Acme",
        Tier.FREE,
        datetime(2026, 1, 1, tzinfo=UTC),
        billing_period=billing_period,
        time_zone=time_zone,
    )


class TestClientZone:
    def test_a_new_client_lives_in_sao_paulo(self) -> None:
        assert client().zone == SAO_PAULO

    @pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd", "America/Sao Paulo"])
    def test_an_unknown_zone_is_refused_naming_the_field(self, name: str) -> None:
        with pytest.raises(ValidationError) as refused:
            client(name)
        assert refused.value.field == "time_zone"


class TestTicketPeriod:
    def test_the_last_evening_of_a_month_in_sao_paulo_counts_in_that_month(self) -> None:
        evening = datetime(2026, 2, 1, 2, 30, tzinfo=UTC)  # 31 January, 23:30 in São Paulo
        assert client().quota_period(Resource.SUPPORT_TICKETS, evening) == "2026-01"
        assert client("UTC").quota_period(Resource.SUPPORT_TICKETS, evening) == "2026-02"

    def test_a_paid_clients_period_is_its_billing_period_whatever_its_zone(self) -> None:
        period = BillingPeriod(datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC))
        moment = datetime(2026, 2, 1, 2, 30, tzinfo=UTC)
        keys = {client(zone, period).quota_period(Resource.SUPPORT_TICKETS, moment) for zone in ("UTC", "Asia/Tokyo")}
        assert keys == {"billing:2026-01-20T00:00:00Z"}

    @given(moment=MOMENTS, zone=ZONES)
    def test_the_period_is_the_month_the_clients_wall_clock_shows(self, moment: datetime, zone: str) -> None:
        local = moment.astimezone(ZoneInfo(zone))
        key = client(zone).quota_period(Resource.SUPPORT_TICKETS, moment)
        assert key == calendar_month_key(moment, ZoneInfo(zone)) == f"{local.year:04d}-{local.month:02d}"


class TestMonthWindow:
    @given(moment=MOMENTS, zone=ZONES)
    def test_the_window_holds_the_moment_and_starts_at_local_midnight_on_the_first(
        self, moment: datetime, zone: str
    ) -> None:
        start, end = month_window(moment, ZoneInfo(zone))
        assert start <= moment < end
        local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
        assert (local_start.day, local_start.hour, local_start.minute) == (1, 0, 0)
        assert (local_end.day, local_end.hour, local_end.minute) == (1, 0, 0)
        assert timedelta(days=28) - timedelta(hours=2) <= end - start <= timedelta(days=31, hours=2)


class TestTicketCountedOnTheClientsClock:
    async def test_a_ticket_on_the_last_evening_of_january_takes_januarys_quota(self, world: World) -> None:
        acme, owner = await world.register()
        world.clock.set(datetime(2026, 2, 1, 2, 30, tzinfo=UTC))  # 31 January, 23:30 in São Paulo
        await world.build(CreateTicket)(owner, subject="Site down", description="Since 23h")
        january = await tickets_quota(world, owner, acme.id)
        world.clock.advance(timedelta(hours=1))
        february = await tickets_quota(world, owner, acme.id)
        assert (january.period, january.used) == ("2026-01", 1)
        assert (february.period, february.used) == ("2026-02", 0)


async def tickets_quota(world: World, owner: Principal, client_id: ClientId) -> QuotaStatus:
    usage = await world.build(GetUsage)(owner, client_id)
    return next(status for status in usage if status.resource is Resource.SUPPORT_TICKETS)
