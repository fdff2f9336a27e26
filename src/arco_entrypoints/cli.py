"""The `arco` command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from arco_adapters.postgres.database import start_embedded
from arco_adapters.postgres.migrate import upgrade
from arco_domain.model.tiers import CATALOGUE, GIB, Resource
from arco_entrypoints.settings import Settings


def _limit_text(resource: Resource, limit: int | None) -> str:
    if limit is None:
        return "unlimited"
    return f"{limit // GIB} GB" if resource is Resource.STORAGE_BYTES else str(limit)


def show_tiers() -> None:
    for plan in CATALOGUE.values():
        price = f"BRL {plan.monthly_price.amount}/month" if plan.monthly_price else "by contract"
        sla = f"{plan.first_response_sla.total_seconds() / 3600:g} h" if plan.first_response_sla else "none"
        limits = ", ".join(f"{r.value}={_limit_text(r, v)}" for r, v in plan.limits.items())
        platforms = ", ".join(sorted(plan.campaign_platforms)) or "none"
        print(f"{plan.tier.value:<10} {price:<18} first response {sla:<5} | {limits} | campaigns: {platforms}")


def migrate(settings: Settings) -> None:
    """Bring the configured database, or the embedded one, to the latest schema."""
    if settings.migration_database_url:
        upgrade(settings.migration_database_url)
        print("database migrated")
        return
    server, _ = start_embedded(settings.data_dir)
    print(f"embedded database migrated ({settings.data_dir / 'pgdata'})")
    server.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="arco", description="ARCO, the agency client platform backend.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tiers", help="print the tier catalogue")
    commands.add_parser("migrate", help="migrate the database (the embedded one when ARCO_DATABASE_URL is unset)")
    args = parser.parse_args(argv)
    if args.command == "tiers":
        show_tiers()
    elif args.command == "migrate":
        migrate(Settings.from_environment())
