"""PostgreSQL adapters: SQLAlchemy Core on asyncpg, Alembic migrations and row-level security."""
