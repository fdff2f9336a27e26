"""Throughput of the campaign-metrics upsert next to a bare asyncpg `executemany`, in one run on one server.

A campaign sync hands the metrics repository every day the platform reported, most of which are already
stored. This measures what that path costs per row against the plainest way the driver offers to put
the same rows into the same table: an `INSERT ... VALUES ($1 .. $9)` sent through asyncpg's `executemany` in
one transaction, as the application role (`arco_app`, no BYPASSRLS) with the row-level-security scope set the
way the unit of work sets it, so both sides pay the same policy checks and foreign-key lookups.

The ARCO side is `uow.metrics.record_campaign_days(client_id, days)` inside a unit of work scoped to the
client, committed. Its input is the domain objects (`DailyCampaignMetrics`), built before the clock starts;
the mapping to column arrays, SQLAlchemy's statement handling and the `INSERT ... SELECT FROM unnest(...)
ON CONFLICT ... DO UPDATE ... WHERE the figures changed` statement (one per 10,000 days) are all inside the
timing. Three ARCO runs per repetition:

- first sync: every row is new (the table is truncated before it, as before the baseline);
- re-sync, unchanged: every row conflicts and the `WHERE` leaves it alone (no new row version);
- re-sync with restatements: every row conflicts and one in ten carries new figures.

After every run the bench reads the table back as the owner and checks it holds exactly the expected rows
with the expected figures, and, through `xmin`, which rows were rewritten: none on the unchanged re-sync,
exactly the restated ones on the last. Each figure is the median of the repetitions.

The WAL column is what each run wrote to the write-ahead log (a checkpoint precedes every run).

    .venv/bin/python bench/campaign_upsert.py [--rows 100000] [--days 365] [--repetitions 3] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import math
import pstats
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from arco_adapters.postgres.database import EmbeddedDatabase, start_embedded
from arco_adapters.postgres.scope import CLIENT_SETTING, MAC_SETTING, ScopeSigner
from arco_adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from arco_domain.ids import CampaignId, ClientId
from arco_domain.model.access import DataScope
from arco_domain.model.campaigns import DailyCampaignMetrics
from arco_domain.model.money import Money

LAST_DAY = date(2026, 12, 1)
RESTATED_EVERY = 10

COLUMNS = ("client_id", "campaign_id", "date", "impressions", "clicks", "conversions", "cost", "revenue", "currency")
PLACEHOLDERS = ", ".join(f"${number}" for number in range(1, len(COLUMNS) + 1))
PLAIN_INSERT = f"INSERT INTO campaign_metrics ({', '.join(COLUMNS)}) VALUES ({PLACEHOLDERS})"
# The same two transaction-local settings the unit of work sets when it opens: the client and its MAC.
SCOPE = f"SELECT set_config('{CLIENT_SETTING}', $1, true), set_config('{MAC_SETTING}', $2, true)"
SCOPE_KEY = "campaign-upsert-bench-scope-key-of-a-throw-away-server"

Days = list[tuple[CampaignId, DailyCampaignMetrics]]
Figures = tuple[int, int, Decimal, Decimal, Decimal, str]


async def seed(owner: asyncpg.Connection, campaigns: int) -> tuple[ClientId, list[CampaignId]]:
    client_id = await owner.fetchval(
        "INSERT INTO clients (id, name, tier) VALUES (uuidv7(), 'Bench', 'pro') RETURNING id"
    )
    rows = await owner.fetch(
        "INSERT INTO campaigns (id, client_id, platform, external_id, name) "
        "SELECT uuidv7(), $1, 'google_ads', 'c-' || g, 'Campaign ' || g FROM generate_series(1, $2) g RETURNING id",
        client_id,
        campaigns,
    )
    return ClientId(client_id), [CampaignId(row["id"]) for row in rows]


def campaign_days(campaign_ids: Sequence[CampaignId], rows: int, days_per_campaign: int) -> Days:
    rng = random.Random(7)
    first_day = LAST_DAY - timedelta(days=days_per_campaign - 1)
    days: Days = []
    for campaign_id in campaign_ids:
        for offset in range(min(days_per_campaign, rows - len(days))):
            impressions = rng.randrange(100, 50_000)
            day = DailyCampaignMetrics(
                date=first_day + timedelta(days=offset),
                impressions=impressions,
                clicks=rng.randrange(0, impressions // 20 + 1),
                conversions=Decimal(rng.randrange(0, 2_000)).scaleb(-2),
                cost=Money(Decimal(rng.randrange(0, 90_000)).scaleb(-2)),
                revenue=Money(Decimal(rng.randrange(0, 300_000)).scaleb(-2)),
            )
            days.append((campaign_id, day))
    return days


def restated(days: Days) -> Days:
    """The same days, one in ten with figures the platform corrected after the fact."""
    return [
        (campaign_id, day)
        if index % RESTATED_EVERY
        else (
            campaign_id,
            dataclasses.replace(day, clicks=day.clicks + 1, cost=Money(day.cost.amount + Decimal("0.01"))),
        )
        for index, (campaign_id, day) in enumerate(days)
    ]


def plain_records(client_id: ClientId, days: Days) -> list[tuple[Any, ...]]:
    return [
        (client_id, campaign_id, day.date, day.impressions, day.clicks, day.conversions, day.cost.amount,
         day.revenue.amount, day.currency)
        for campaign_id, day in days
    ]  # fmt: skip


def expected(days: Days) -> dict[tuple[UUID, date], Figures]:
    return {
        (campaign_id, day.date): (
            day.impressions,
            day.clicks,
            day.conversions,
            day.cost.amount,
            day.revenue.amount,
            day.currency,
        )
        for campaign_id, day in days
    }


async def stored(owner: asyncpg.Connection) -> tuple[dict[tuple[UUID, date], Figures], dict[str, int]]:
    """The table's contents, and how many rows carry each row version (`xmin`: the writing transaction)."""
    rows = await owner.fetch(
        "SELECT campaign_id, date, impressions, clicks, conversions, cost, revenue, currency, xmin::text AS version "
        "FROM campaign_metrics"
    )
    contents = {
        (row["campaign_id"], row["date"]): (
            row["impressions"],
            row["clicks"],
            row["conversions"],
            row["cost"],
            row["revenue"],
            row["currency"],
        )
        for row in rows
    }
    versions: dict[str, int] = {}
    for row in rows:
        versions[row["version"]] = versions.get(row["version"], 0) + 1
    assert len(contents) == len(rows), "duplicate (campaign, date) rows"
    return contents, versions


async def check(owner: asyncpg.Connection, days: Days) -> dict[str, int]:
    contents, versions = await stored(owner)
    assert len(contents) == len(days), f"{len(contents):,} rows stored, {len(days):,} expected"
    assert contents == expected(days), "stored figures differ from the ones sent"
    return versions


async def reset(owner: asyncpg.Connection) -> None:
    # The checkpoint keeps a checkpoint triggered by the previous run's WAL out of the next timing.
    await owner.execute("TRUNCATE campaign_metrics")
    await owner.execute("CHECKPOINT")


class Bench:
    def __init__(self, owner: asyncpg.Connection, app: asyncpg.Connection, factory: PostgresUnitOfWorkFactory) -> None:
        self.owner = owner
        self.app = app
        self.factory = factory

    async def measure(self, run: Callable[[], Awaitable[None]]) -> tuple[float, int]:
        """Seconds the run took and WAL bytes it wrote (the owner's reads stay outside the clock)."""
        wal = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
        wal_before = await self.owner.fetchval(wal)
        started = time.perf_counter()
        await run()
        seconds = time.perf_counter() - started
        return seconds, await self.owner.fetchval(wal) - wal_before

    async def bare_executemany(self, sql: str, client_id: ClientId, records: list[tuple[Any, ...]]) -> None:
        async with self.app.transaction():
            await self.app.execute(SCOPE, str(client_id), ScopeSigner(SCOPE_KEY).mac(client_id))
            await self.app.executemany(sql, records)

    async def record_campaign_days(self, client_id: ClientId, days: Days) -> None:
        async with self.factory(DataScope.of_client(client_id)) as uow:
            await uow.metrics.record_campaign_days(client_id, days)
            await uow.commit()

    async def repetition(self, client_id: ClientId, original: Days, changed: Days) -> dict[str, tuple[float, int]]:
        records = plain_records(client_id, original)
        rewritten = math.ceil(len(original) / RESTATED_EVERY)
        results: dict[str, tuple[float, int]] = {}

        await reset(self.owner)
        results["baseline"] = await self.measure(lambda: self.bare_executemany(PLAIN_INSERT, client_id, records))
        await check(self.owner, original)

        await reset(self.owner)
        results["first"] = await self.measure(lambda: self.record_campaign_days(client_id, original))
        first_versions = await check(self.owner, original)
        assert len(first_versions) == 1, "the first sync was not one transaction"

        await self.owner.execute("CHECKPOINT")
        results["unchanged"] = await self.measure(lambda: self.record_campaign_days(client_id, original))
        assert await check(self.owner, original) == first_versions, "an unchanged re-sync rewrote rows"

        await self.owner.execute("CHECKPOINT")
        results["restated"] = await self.measure(lambda: self.record_campaign_days(client_id, changed))
        versions = await check(self.owner, changed)
        assert sorted(versions.values()) == sorted([len(original) - rewritten, rewritten]), versions
        assert next(iter(first_versions)) in versions, "restatements rewrote unchanged rows"
        return results

    async def profile(self, client_id: ClientId, original: Days) -> str:
        await reset(self.owner)
        profiler = cProfile.Profile()
        profiler.enable()
        await self.record_campaign_days(client_id, original)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        return out.getvalue()


STEPS = {
    "baseline": "baseline: bare asyncpg executemany, plain INSERT (empty table)",
    "first": "record_campaign_days, first sync (empty table)",
    "unchanged": "record_campaign_days, re-sync unchanged (all conflict, no new row version)",
    "restated": f"record_campaign_days, re-sync with 1 in {RESTATED_EVERY} restated",
}


async def run(database: EmbeddedDatabase, args: argparse.Namespace) -> None:
    socket_dir = database.server.socket_dir
    owner = await asyncpg.connect(host=socket_dir, user="postgres", database="arco")
    app = await asyncpg.connect(host=socket_dir, user="arco_app", database="arco")
    engine = create_async_engine(database.url, pool_size=2)
    agency = create_async_engine(database.agency_url, pool_size=1)
    try:
        client_id, campaign_ids = await seed(owner, math.ceil(args.rows / args.days))
        started = time.perf_counter()
        original = campaign_days(campaign_ids, args.rows, args.days)
        print(f"built {len(original):,} DailyCampaignMetrics in {time.perf_counter() - started:.2f} s (not timed)")
        changed = restated(original)
        bench = Bench(owner, app, PostgresUnitOfWorkFactory(engine, agency, SCOPE_KEY))

        # Warm-up on a slice: connections, prepared statements, SQLAlchemy's compiled-statement cache.
        await bench.repetition(client_id, original[:2_000], restated(original[:2_000]))

        seconds: dict[str, list[float]] = {step: [] for step in STEPS}
        wal: dict[str, list[int]] = {step: [] for step in STEPS}
        for number in range(args.repetitions):
            results = await bench.repetition(client_id, original, changed)
            print(f"repetition {number + 1}: " + ", ".join(f"{step} {s:.2f} s" for step, (s, _) in results.items()))
            for step, (run_seconds, wal_bytes) in results.items():
                seconds[step].append(run_seconds)
                wal[step].append(wal_bytes)

        rows = len(original)
        baseline = rows / statistics.median(seconds["baseline"])
        print(
            f"\n| path ({rows:,} rows, median of {args.repetitions}) | runs (s) | rows/s | ratio to baseline | WAL MB |"
        )
        print("|---|---|---:|---:|---:|")
        for step, label in STEPS.items():
            rate = rows / statistics.median(seconds[step])
            runs = " / ".join(f"{s:.2f}" for s in seconds[step])
            print(
                f"| {label} | {runs} | {rate:,.0f} | {rate / baseline:.2f} | {statistics.median(wal[step]) / 1e6:.1f} |"
            )

        if args.profile:
            print("\nProfile of one first sync (cProfile, by own time):\n" + await bench.profile(client_id, original))
    finally:
        await engine.dispose()
        await agency.dispose()
        await app.close()
        await owner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="metric rows per run")
    parser.add_argument("--days", type=int, default=365, help="days per campaign (campaigns = rows / days)")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also profile one first sync in-process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arco-bench-") as directory:
        database = start_embedded(Path(directory), SCOPE_KEY)
        try:
            asyncio.run(run(database, args))
        finally:
            database.server.stop()


if __name__ == "__main__":
    main()
