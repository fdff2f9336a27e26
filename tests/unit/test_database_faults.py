"""Database faults without a database: which failures mean `Unavailable`, the limits each process connects
with, and the `Retry-After` a `503` carries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from arco_adapters.http_retry import TransientApiError
from arco_adapters.postgres.connections import DatabaseLimits, unavailable
from arco_domain.errors import Unavailable
from arco_entrypoints.http.errors import unavailable_headers
from arco_entrypoints.runtime import Runtime
from arco_entrypoints.settings import Settings


class DriverError(Exception):
    """What the driver raises, as SQLAlchemy wraps it: a message with the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(sqlstate: str, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, DriverError(sqlstate), connection_invalidated=invalidated)


def staging(**variables: str) -> Settings:
    return Settings.from_environment({"ARCO_ENV": "staging", **variables})


class TestWhatIsUnavailable:
    @pytest.mark.parametrize(
        "sqlstate",
        ["57014", "55P03", "40P01", "40001", "53300", "57P01", "57P02", "57P03", "08006", "08003"],
        ids=["statement timeout", "lock timeout", "deadlock", "serialization", "too many connections",
             "admin shutdown", "crash shutdown", "starting up", "connection failure", "no connection"],
    )  # fmt: skip
    def test_a_refusal_another_attempt_may_not_meet_is_unavailable(self, sqlstate: str) -> None:
        assert isinstance(unavailable(wrapped(sqlstate)), Unavailable)

    @pytest.mark.parametrize(
        "error",
        [PoolTimeout("QueuePool limit reached"), ConnectionRefusedError(), FileNotFoundError(), TimeoutError()],
        ids=["pool timeout", "refused", "no socket", "driver timeout"],
    )
    def test_a_database_out_of_reach_is_unavailable(self, error: Exception) -> None:
        assert isinstance(unavailable(error), Unavailable)

    def test_a_connection_the_driver_saw_close_is_unavailable_whatever_the_error(self) -> None:
        assert isinstance(unavailable(wrapped("XX000", invalidated=True)), Unavailable)

    @pytest.mark.parametrize("sqlstate", ["23505", "23503", "42501", "28P01", "XX000"])
    def test_a_refusal_of_the_data_or_the_login_is_not(self, sqlstate: str) -> None:
        assert unavailable(wrapped(sqlstate)) is None

    def test_an_error_of_arcos_own_is_not(self) -> None:
        assert unavailable(ValueError("a bug")) is None


class TestDatabaseLimits:
    def test_the_defaults_bound_every_wait_in_seconds(self) -> None:
        settings = staging()
        assert settings.database_limits == DatabaseLimits(
            statement_timeout=timedelta(seconds=5), lock_timeout=timedelta(seconds=2), pool_timeout=timedelta(seconds=5)
        )
        assert settings.for_worker().database_limits.statement_timeout == timedelta(seconds=60)

    def test_each_limit_is_read_from_its_variable(self) -> None:
        settings = staging(
            ARCO_DB_STATEMENT_TIMEOUT="2.5", ARCO_DB_LOCK_TIMEOUT="0.5", ARCO_DB_POOL_TIMEOUT="3",
            ARCO_DB_WORKER_STATEMENT_TIMEOUT="120",
        )  # fmt: skip
        assert settings.database_limits == DatabaseLimits(
            statement_timeout=timedelta(seconds=2.5),
            lock_timeout=timedelta(seconds=0.5),
            pool_timeout=timedelta(seconds=3),
        )
        assert settings.for_worker().database_limits.statement_timeout == timedelta(seconds=120)

    @pytest.mark.parametrize(
        "variable",
        [
            "ARCO_DB_STATEMENT_TIMEOUT",
            "ARCO_DB_WORKER_STATEMENT_TIMEOUT",
            "ARCO_DB_LOCK_TIMEOUT",
            "ARCO_DB_POOL_TIMEOUT",
        ],
    )
    @pytest.mark.parametrize("value", ["0", "-1", "soon", "3601"])
    def test_a_limit_that_is_not_a_positive_number_of_seconds_stops_the_start(self, variable: str, value: str) -> None:
        with pytest.raises(SystemExit) as stopped:
            staging(**{variable: value})
        assert str(stopped.value).startswith(f"{variable}: ")

    def test_the_limits_travel_in_the_connections_startup_packet(self) -> None:
        limits = DatabaseLimits(
            statement_timeout=timedelta(seconds=2.5),
            lock_timeout=timedelta(milliseconds=500),
            pool_timeout=timedelta(seconds=3),
        )
        arguments = limits.connect_args()
        assert arguments["server_settings"] == {"statement_timeout": "2500ms", "lock_timeout": "500ms"}
        assert arguments["timeout"] == 3
        assert arguments["command_timeout"] == 3.5

    def test_the_worker_connects_with_its_own_statement_timeout(self) -> None:
        runtime = Runtime(staging(ARCO_DB_STATEMENT_TIMEOUT="4", ARCO_DB_WORKER_STATEMENT_TIMEOUT="90"))
        assert runtime.container(pool_size=4, worker=True).settings().db_statement_timeout == 90
        assert runtime.container(pool_size=4).settings().db_statement_timeout == 4


class TestRetryAfter:
    def test_a_503_without_advice_asks_for_a_few_seconds(self) -> None:
        waits = {int(unavailable_headers(Unavailable("the database is restarting"))["Retry-After"]) for _ in range(200)}
        assert waits <= set(range(1, 6))
        assert len(waits) > 1, "clients refused together would all come back in the same second"

    def test_a_503_passes_on_the_providers_own_advice_rounded_up(self) -> None:
        advised = TransientApiError("rate limited", retry_after=12.2)
        assert unavailable_headers(advised) == {"Retry-After": "13"}
