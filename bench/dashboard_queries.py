"""Latency of the dashboard-critical repository queries on a loaded PostgreSQL.

Loads N clients (default 1,000), each with one live project, two campaigns, a year of daily network,
campaign and performance rows, and two dozen tickets, into a throw-away embedded server. Then, for a
random sample of clients, times each repository call inside an open unit of work scoped to that client
(so row-level security is in force) and reports p50/p99 next to a bare baseline measured the same way:
the primary-key read of the client row. Ends with the EXPLAIN ANALYZE of every query.

    .venv/bin/python bench/dashboard_queries.py [--clients 1000] [--days 365] [--samples 400]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.database import EmbeddedDatabase, start_embedded
from arco_adapters.postgres.metrics import campaign_totals_query, latest_measurements_query, traffic_totals_query
from arco_adapters.postgres.scope import CLIENT_SETTING, MAC_SETTING, ScopeSigner
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkFactory
from arco_domain.ids import ClientId
from arco_domain.model.access import DataScope
from arco_domain.model.tiers import Resource

TODAY = date(2026, 11, 24)
MONTH_START = TODAY.replace(day=1)
SCOPE_KEY = "dashboard-bench-scope-key-of-a-throw-away-server"


def load_sql(clients: int, days: int) -> list[str]:
    first_day = TODAY - timedelta(days=days - 1)
    series = f"generate_series(date '{first_day}', date '{TODAY}', interval '1 day') AS d(day)"
    return [
        "INSERT INTO clients (id, name, tier) "
        f"SELECT uuidv7(), 'Client ' || g, 'pro' FROM generate_series(1, {clients}) g",
        "INSERT INTO projects (id, client_id, name, status) SELECT uuidv7(), id, 'Site', 'live' FROM clients",
        "INSERT INTO campaigns (id, client_id, platform, external_id, name) "
        "SELECT uuidv7(), c.id, p.platform, p.platform || '-1', 'Always on' FROM clients c, "
        "(VALUES ('google_ads'), ('meta_ads')) AS p(platform)",
        "INSERT INTO network_usage "
        "(client_id, project_id, date, bandwidth_bytes, requests_total, requests_2xx, requests_4xx) "
        f"SELECT p.client_id, p.id, d.day, (random() * 1e9)::bigint, 1100, 1000, 100 FROM projects p, {series}",
        "INSERT INTO campaign_metrics (client_id, campaign_id, date, impressions, clicks, conversions, cost, revenue) "
        f"SELECT c.client_id, c.id, d.day, 1000, (random() * 50)::int, 2, round((random() * 90)::numeric, 2), 300 "
        f"FROM campaigns c, {series}",
        "INSERT INTO performance_metrics (id, client_id, project_id, measured_at, lcp_seconds, inp_ms, cls, "
        "lighthouse_performance, grade) "
        "SELECT uuidv7(), p.client_id, p.id, d.day + time '03:00', 2.1, 180, 0.05, 93, 'A' "
        f"FROM projects p, {series}",
        "INSERT INTO support_tickets (id, client_id, created_by, subject, description, created_at) "
        "SELECT uuidv7(), c.id, uuidv7(), 'Ticket ' || g, 'Details', now() - g * interval '5 days' "
        "FROM clients c, generate_series(1, 24) g",
        "INSERT INTO quota_usage (client_id, resource, period, used) SELECT id, 'projects', 'stock', 1 FROM clients",
        "ANALYZE",
    ]


Call = Callable[[PostgresUnitOfWork, ClientId], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "baseline: clients.get (primary key)": lambda uow, c: uow.clients.get(c),
    "metrics.traffic_totals (month)": lambda uow, c: uow.metrics.traffic_totals(c, MONTH_START, TODAY),
    "metrics.traffic_totals (year)": lambda uow, c: uow.metrics.traffic_totals(c, TODAY - timedelta(days=364), TODAY),
    "metrics.campaign_totals (month)": lambda uow, c: uow.metrics.campaign_totals(c, MONTH_START, TODAY),
    "metrics.latest_measurements": lambda uow, c: uow.metrics.latest_measurements(c),
    "tickets.list_for_client": lambda uow, c: uow.tickets.list_for_client(c),
    "quotas.used": lambda uow, c: uow.quotas.used(c, Resource.PROJECTS, "stock"),
}

EXPLAINED: dict[str, Callable[[ClientId], Select[Any]]] = {
    "traffic_totals (month)": lambda c: traffic_totals_query(c, MONTH_START, TODAY),
    "campaign_totals (month)": lambda c: campaign_totals_query(c, MONTH_START, TODAY),
    "latest_measurements": latest_measurements_query,
    "tickets.list_for_client": lambda c: (
        select(t.support_tickets)
        .where(t.support_tickets.c.client_id == c)
        .order_by(t.support_tickets.c.created_at.desc())
    ),
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(database: EmbeddedDatabase, client_ids: list[ClientId], samples: int) -> dict[str, list[float]]:
    engine = create_async_engine(database.url, pool_size=4)
    agency = create_async_engine(database.agency_url, pool_size=1)
    factory = PostgresUnitOfWorkFactory(engine, agency, SCOPE_KEY)
    timings: dict[str, list[float]] = {name: [] for name in CALLS}
    chosen = random.Random(7).choices(client_ids, k=samples)
    for warm_up, clients in ((True, chosen[:20]), (False, chosen)):
        for client_id in clients:
            async with factory(DataScope.of_client(client_id)) as uow:
                for name, call in CALLS.items():
                    started = time.perf_counter()
                    await call(uow, client_id)
                    if not warm_up:
                        timings[name].append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    await agency.dispose()
    return timings


async def explain(server_socket: str, client_id: ClientId) -> dict[str, str]:
    connection = await asyncpg.connect(host=server_socket, user="arco_app", database="arco")
    plans: dict[str, str] = {}
    try:
        async with connection.transaction():
            await connection.execute(
                f"SELECT set_config('{CLIENT_SETTING}', $1, true), set_config('{MAC_SETTING}', $2, true)",
                str(client_id),
                ScopeSigner(SCOPE_KEY).mac(client_id),
            )
            for name, build in EXPLAINED.items():
                sql = str(
                    build(client_id).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
                )
                rows = await connection.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
                plans[name] = "\n".join(row[0] for row in rows)
    finally:
        await connection.close()
    return plans


async def load(socket_dir: str, clients: int, days: int) -> list[ClientId]:
    connection = await asyncpg.connect(host=socket_dir, user="postgres", database="arco")
    try:
        for statement in load_sql(clients, days):
            await connection.execute(statement)
        counts = {
            name: await connection.fetchval(f"SELECT count(*) FROM {name}")
            for name in ("clients", "network_usage", "campaign_metrics", "performance_metrics", "support_tickets")
        }
        print("rows:", ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        return [ClientId(UUID(str(r["id"]))) for r in await connection.fetch("SELECT id FROM clients")]
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arco-bench-") as directory:
        database = start_embedded(Path(directory), SCOPE_KEY)
        server = database.server
        try:
            started = time.perf_counter()
            client_ids = asyncio.run(load(server.socket_dir, args.clients, args.days))
            print(f"loaded in {time.perf_counter() - started:.1f} s")
            timings = asyncio.run(measure(database, client_ids, args.samples))
            baseline = statistics.median(timings[next(iter(CALLS))])
            print(f"\n| query ({args.samples} clients sampled) | p50 ms | p99 ms | p50 / baseline |")
            print("|---|---:|---:|---:|")
            for name, samples in timings.items():
                p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
                print(f"| {name} | {p50:.3f} | {p99:.3f} | {p50 / baseline:.1f} |")
            for name, plan in asyncio.run(explain(server.socket_dir, client_ids[0])).items():
                print(f"\nEXPLAIN {name}\n{plan}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
