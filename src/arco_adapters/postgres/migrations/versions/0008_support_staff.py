"""Support staff: `support` joins `admin` and `developer` as a staff user type.

Walking down re-creates the old check, which refuses while support users exist: remove them first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_types(*types: str) -> None:
    op.drop_constraint(op.f("ck_users_user_type"), "users", type_="check")
    listed = ", ".join(f"'{t}'" for t in types)
    op.create_check_constraint(op.f("ck_users_user_type"), "users", f"user_type IN ({listed})")


def upgrade() -> None:
    _user_types("client", "admin", "developer", "support")


def downgrade() -> None:
    _user_types("client", "admin", "developer")
