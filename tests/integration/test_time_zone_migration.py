"""Moving ticket periods onto each client's clock loses no ticket and counts none twice."""

from __future__ import annotations

import asyncio

import pytest

from arco_adapters.postgres.embedded import EmbeddedPostgres
from arco_adapters.postgres.migrate import downgrade, upgrade
from tests.integration.conftest import EMPTY_DATABASE, fetch_as_owner

FREE = "00000000-0000-7000-8000-000000000001"
PAID = "00000000-0000-7000-8000-000000000002"
# 02:30 UTC on 1 February is still 31 January, 23:30, in São Paulo (UTC-3).
TICKETS = {
    FREE: ["2026-01-15 12:00Z", "2026-02-01 02:30Z", "2026-02-01 03:30Z", "2026-02-20 12:00Z"],
    PAID: ["2026-02-01 02:30Z", "2026-02-10 12:00Z"],
}
# What ARCO counted before, by UTC month; the paid client's February sits in its billing period.
COUNTED = {
    FREE: {"2026-01": 1, "2026-02": 3},
    PAID: {"2026-02": 1, "billing:2026-02-05T00:00:00Z": 1},
}


def run(database: str, server: EmbeddedPostgres, *statements: str) -> list[tuple[object, ...]]:
    async def each() -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for statement in statements:
            rows = await fetch_as_owner(server, database, statement)
        return rows

    return asyncio.run(each())


def ticket_periods(server: EmbeddedPostgres) -> dict[tuple[str, str], int]:
    query = "SELECT client_id::text, period, used FROM quota_usage WHERE resource = 'support_tickets'"
    return {(str(client), str(period)): int(str(used)) for client, period, used in run(EMPTY_DATABASE, server, query)}


@pytest.fixture
def counted_by_utc_month(postgres: EmbeddedPostgres, empty_database: str) -> None:
    upgrade(postgres.url(database=empty_database), "0011")
    statements = [f"INSERT INTO clients (id, name) VALUES ('{FREE}', 'Free'), ('{PAID}', 'Paid')"]
    for client, moments in TICKETS.items():
        statements += [
            "INSERT INTO support_tickets (id, client_id, created_by, subject, description, created_at) "
            f"VALUES (gen_random_uuid(), '{client}', gen_random_uuid(), 'Help', 'Details', '{moment}')"
            for moment in moments
        ]
        statements += [
            f"INSERT INTO quota_usage VALUES ('{client}', 'support_tickets', '{period}', {used})"
            for period, used in COUNTED[client].items()
        ]
    run(empty_database, postgres, *statements)


@pytest.mark.usefixtures("counted_by_utc_month")
class TestTicketPeriodsOnTheClientsClock:
    def test_a_calendar_only_client_is_recounted_by_its_own_months_and_a_paid_one_is_left_as_it_was(
        self, postgres: EmbeddedPostgres, empty_database: str
    ) -> None:
        upgrade(postgres.url(database=empty_database))
        assert ticket_periods(postgres) == {
            (FREE, "2026-01"): 2,
            (FREE, "2026-02"): 2,
            (PAID, "2026-02"): 1,
            (PAID, "billing:2026-02-05T00:00:00Z"): 1,
        }
        zones = run(empty_database, postgres, "SELECT DISTINCT time_zone FROM clients")
        assert zones == [("America/Sao_Paulo",)]

    def test_every_ticket_is_counted_once_before_after_and_back_down(
        self, postgres: EmbeddedPostgres, empty_database: str
    ) -> None:
        before = ticket_periods(postgres)
        upgrade(postgres.url(database=empty_database))
        after = ticket_periods(postgres)
        downgrade(postgres.url(database=empty_database), "0011")
        assert sum(before.values()) == sum(after.values()) == sum(len(moments) for moments in TICKETS.values())
        assert ticket_periods(postgres) == before
