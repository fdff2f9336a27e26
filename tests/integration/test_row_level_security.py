"""Row-level security is a second wall: it holds for raw SQL that has no client filter of its own.

Statements here run as the client-serving role (`arco_app`) under a scope signed the way the unit of work
signs it, and as a member of `arco_agency`, which sees every client.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.scope import CLIENT_SETTING, MAC_SETTING, ScopeSigner
from tests.integration.conftest import SCOPE_KEY

NOW = datetime(2026, 5, 4, 12, tzinfo=UTC)


def tenant_rows(client_id: UUID) -> dict[str, dict[str, Any]]:
    """One row for every tenant table, all belonging to `client_id`."""
    project, domain, ticket, campaign, folder, user, ad_account = (uuid4() for _ in range(7))
    c = {"client_id": client_id}
    return {
        "projects": {**c, "id": project, "name": "Site", "status": "live"},
        "members": {**c, "id": uuid4(), "email": f"{client_id}@example.com", "role": "owner", "status": "active"},
        "milestones": {**c, "id": uuid4(), "project_id": project, "title": "Launch"},
        "domains": {**c, "id": domain, "name": f"d{client_id.hex}.com", "status": "active", "ssl_status": "active"},
        "dns_records": {
            **c,
            "id": uuid4(),
            "domain_id": domain,
            "type": "A",
            "name": "@",
            "content": "192.0.2.1",
            "ttl": 1,
        },
        "ad_accounts": {
            **c,
            "id": ad_account,
            "platform": "google_ads",
            "external_id": "1234567890",
            "sealed_grant": b"sealed",
            "status": "connected",
            "connected_at": datetime(2026, 12, 1, tzinfo=UTC),
        },
        "dns_drift": {
            **c,
            "id": uuid4(),
            "domain_id": domain,
            "kind": "unmanageable",
            "provider_record_id": "372e67954025e0ba6aaa6d586b9e0b59",
            "detail": "PTR records are not managed by ARCO",
            "detected_at": datetime(2026, 12, 1, tzinfo=UTC),
        },
        "infrastructure": {**c, "id": uuid4(), "project_id": project, "hosting_provider": "vercel"},
        "network_usage": {
            **c,
            "project_id": project,
            "date": date(2026, 5, 1),
            "requests_total": 10,
            "requests_2xx": 10,
        },
        "storage_folders": {**c, "id": folder, "name": "docs", "path": "/docs"},
        "storage_items": {
            **c,
            "id": uuid4(),
            "folder_id": folder,
            "file_name": "a.pdf",
            "blob_key": f"k/{client_id}",
            "size_bytes": 5,
        },
        "upload_reservations": {
            **c,
            "id": uuid4(),
            "file_name": "b.pdf",
            "size_bytes": 5,
            "expires_at": NOW + timedelta(hours=1),
        },
        "support_tickets": {**c, "id": ticket, "created_by": user, "subject": "Help", "description": "Broken"},
        "ticket_status_changes": {
            **c,
            "ticket_id": ticket,
            "seq": 0,
            "at": NOW,
            "from_status": "open",
            "to_status": "in_progress",
            "actor": "staff",
        },
        "support_ticket_messages": {
            **c,
            "id": uuid4(),
            "ticket_id": ticket,
            "author_id": user,
            "author_is_staff": True,
            "body": "On it",
        },
        "performance_metrics": {**c, "id": uuid4(), "project_id": project, "measured_at": NOW, "lcp_seconds": 1.8},
        "campaigns": {**c, "id": campaign, "platform": "google_ads", "external_id": "123", "name": "Brand"},
        "campaign_metrics": {**c, "campaign_id": campaign, "date": date(2026, 5, 1), "clicks": 3, "impressions": 40},
        "incidents": {**c, "id": uuid4(), "project_id": project, "title": "Down", "started_at": NOW},
        "quota_usage": {**c, "resource": "projects", "period": "stock", "used": 1},
        "audit_events": {**c, "id": uuid4(), "action": "test", "occurred_at": NOW},
        "uptime_monitors": {**c, "project_id": project, "url": f"https://{client_id.hex}.example.com"},
        "ticket_response_months": {**c, "month": "2026-05", "answered": 1, "total_wait_us": 60_000_000},
    }


async def scope_to(connection: AsyncConnection, client_id: UUID, mac: str | None = None) -> None:
    """Set the transaction's scope as the unit of work does: the client and its MAC (by default, the right one)."""
    await connection.execute(
        select(
            func.set_config(CLIENT_SETTING, str(client_id), True),
            func.set_config(MAC_SETTING, mac or ScopeSigner(SCOPE_KEY).mac(client_id), True),
        )
    )


TABLES_IN_INSERT_ORDER = [table.name for table in t.metadata.sorted_tables if table in t.TENANT_TABLES]


@pytest.fixture
async def two_clients(agency_engine: AsyncEngine) -> tuple[UUID, UUID]:
    """Clients A and B with a row in every tenant table, written by the agency role."""
    first, second = uuid4(), uuid4()
    async with agency_engine.begin() as connection:
        for client_id in (first, second):
            await connection.execute(insert(t.clients).values(id=client_id, name=f"Client {client_id}"))
            rows = tenant_rows(client_id)
            for name in TABLES_IN_INSERT_ORDER:
                await connection.execute(insert(t.metadata.tables[name]).values(**rows[name]))
    return first, second


class TestRowLevelSecurity:
    def test_every_tenant_table_is_covered(self) -> None:
        assert set(TABLES_IN_INSERT_ORDER) == {table.name for table in t.TENANT_TABLES}
        assert set(tenant_rows(uuid4())) == set(TABLES_IN_INSERT_ORDER)

    async def test_neither_application_role_can_bypass_the_policies(
        self, app_engine: AsyncEngine, agency_engine: AsyncEngine
    ) -> None:
        for engine in (app_engine, agency_engine):
            async with engine.connect() as connection:
                role = (
                    await connection.execute(
                        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
                    )
                ).one()
                owners = (
                    (
                        await connection.execute(
                            text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
                        )
                    )
                    .scalars()
                    .all()
                )
                user = (await connection.execute(text("SELECT current_user"))).scalar()
            assert (role.rolsuper, role.rolbypassrls) == (False, False)
            assert user not in owners

    @pytest.mark.parametrize("table", ["clients", *TABLES_IN_INSERT_ORDER])
    async def test_the_agency_role_sees_every_clients_rows(
        self, agency_engine: AsyncEngine, two_clients: tuple[UUID, UUID], table: str
    ) -> None:
        key = "id" if table == "clients" else "client_id"
        async with agency_engine.connect() as connection:
            owners = (await connection.execute(text(f"SELECT {key} FROM {table}"))).scalars().all()
        assert set(two_clients) <= set(owners)

    async def test_the_scope_is_checked_once_per_statement_not_once_per_row(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, _ = two_clients
        async with app_engine.begin() as connection:
            await scope_to(connection, mine)
            for number in range(3):
                await connection.execute(
                    insert(t.projects).values(id=uuid4(), client_id=mine, name=f"Extra {number}", status="live")
                )
            explain = (
                "EXPLAIN (ANALYZE, VERBOSE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM projects"
            )
            plan = "\n".join((await connection.execute(text(explain))).scalars())
        # Four rows pass the filter, which reads the scope from an InitPlan that ran once.
        assert re.match(r"Seq Scan on public\.projects \(actual rows=4(\.00)? loops=1\)", plan), plan
        scope_check = re.search(
            r"InitPlan (\d+)\n\s+->  Result \(actual rows=1(\.00)? loops=1\)\n\s+Output: arco_scope_client\(\)", plan
        )
        assert scope_check, plan
        assert f"(projects.client_id = (InitPlan {scope_check.group(1)}).col1)" in plan

    @pytest.mark.parametrize("table", ["clients", *TABLES_IN_INSERT_ORDER])
    async def test_a_client_scoped_select_sees_only_its_own_rows(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID], table: str
    ) -> None:
        mine, theirs = two_clients
        key = "id" if table == "clients" else "client_id"
        async with app_engine.begin() as connection:
            await scope_to(connection, mine)
            owners = (await connection.execute(text(f"SELECT {key} FROM {table}"))).scalars().all()
        assert owners and set(owners) == {mine}
        assert theirs not in owners

    @pytest.mark.parametrize("table", ["clients", *TABLES_IN_INSERT_ORDER])
    async def test_without_a_scope_nothing_is_visible(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID], table: str
    ) -> None:
        async with app_engine.connect() as connection:
            assert (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0

    @pytest.mark.parametrize("table", TABLES_IN_INSERT_ORDER)
    async def test_inserting_a_row_for_another_client_is_refused(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID], table: str
    ) -> None:
        mine, theirs = two_clients
        # PostgreSQL checks the policy before any key or foreign key, so the refusal names row-level security.
        row = tenant_rows(theirs)[table]
        async with app_engine.connect() as connection:
            transaction = await connection.begin()
            await scope_to(connection, mine)
            with pytest.raises(DBAPIError, match="row-level security"):
                await connection.execute(insert(t.metadata.tables[table]).values(**row))
            await transaction.rollback()

    async def test_updating_another_clients_rows_touches_nothing(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, theirs = two_clients
        async with app_engine.begin() as connection:
            await scope_to(connection, mine)
            changed = await connection.execute(
                text("UPDATE projects SET name = 'taken' WHERE client_id = :c"), {"c": theirs}
            )
            deleted = await connection.execute(text("DELETE FROM support_tickets WHERE client_id = :c"), {"c": theirs})
        assert (changed.rowcount, deleted.rowcount) == (0, 0)

    async def test_the_audit_log_is_append_only_for_the_application(
        self, app_engine: AsyncEngine, two_clients: tuple[UUID, UUID]
    ) -> None:
        mine, _ = two_clients
        async with app_engine.connect() as connection:
            transaction = await connection.begin()
            await scope_to(connection, mine)
            with pytest.raises(DBAPIError, match="permission denied"):
                await connection.execute(text("DELETE FROM audit_events"))
            await transaction.rollback()
