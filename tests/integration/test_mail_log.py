"""`PostgresMailLog` on real PostgreSQL, as the application role.

The module's database is shared by its tests, so each test sends under dedupe keys of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from arco_adapters.postgres import tables as t
from arco_adapters.postgres.mail_log import MailStatus, PostgresMailLog
from arco_domain.errors import NotFound, Unavailable, ValidationError
from arco_domain.model.notifications import OutgoingEmail
from arco_ports.mailer import Mailer


def email(cause: str = "ticket-answered") -> OutgoingEmail:
    return OutgoingEmail(
        to=("owner@acme.test", "ops@acme.test"),
        subject="Your ticket was answered",
        text="Hello,\nthe agency replied to “Form broken”.\n",
        dedupe_key=f"{cause}/{uuid4()}",
    )


async def rows_for(engine: AsyncEngine, dedupe_key: str) -> int:
    query = select(func.count()).select_from(t.mail_log).where(t.mail_log.c.dedupe_key == dedupe_key)
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


@pytest.fixture
def mail_log(agency_engine: AsyncEngine) -> PostgresMailLog:
    return PostgresMailLog(agency_engine)


class TestPostgresMailLogSend:
    async def test_a_sent_email_is_recorded_with_everything_it_says(self, mail_log: PostgresMailLog) -> None:
        mailer: Mailer = mail_log
        message = email()
        await mailer.send(message)
        [logged] = await mail_log.recent(1)
        assert logged.email == message
        assert logged.status is MailStatus.RECORDED
        assert logged.provider_message_id is None

    async def test_the_same_dedupe_key_sent_twice_is_recorded_once_as_first_sent(
        self, mail_log: PostgresMailLog, agency_engine: AsyncEngine
    ) -> None:
        first = email()
        await mail_log.send(first)
        await mail_log.send(replace(email(), dedupe_key=first.dedupe_key, subject="A retry that changed its mind"))
        [logged] = await mail_log.recent(1)
        assert await rows_for(agency_engine, first.dedupe_key) == 1
        assert logged.email == first

    async def test_ten_concurrent_sends_of_one_dedupe_key_leave_one_row_and_none_fails(
        self, mail_log: PostgresMailLog, agency_engine: AsyncEngine
    ) -> None:
        message = email()
        outcomes = await asyncio.gather(*(mail_log.send(message) for _ in range(10)), return_exceptions=True)
        assert outcomes == [None] * 10
        assert await rows_for(agency_engine, message.dedupe_key) == 1

    async def test_different_dedupe_keys_are_different_rows(
        self, mail_log: PostgresMailLog, agency_engine: AsyncEngine
    ) -> None:
        first, second = email(), email()
        await mail_log.send(first)
        await mail_log.send(second)
        assert await rows_for(agency_engine, first.dedupe_key) == 1
        assert await rows_for(agency_engine, second.dedupe_key) == 1

    async def test_an_unreachable_database_is_reported_as_unavailable(self, tmp_path: Path) -> None:
        engine = create_async_engine(f"postgresql+asyncpg://arco_app@/arco?host={tmp_path}/no-such-socket")
        try:
            with pytest.raises(Unavailable):
                await PostgresMailLog(engine).send(email())
        finally:
            await engine.dispose()


class TestPostgresMailLogRecent:
    async def test_recent_lists_the_newest_first_and_no_more_than_asked(self, mail_log: PostgresMailLog) -> None:
        sent = [email(f"cause-{number}") for number in range(4)]
        for message in sent:
            await mail_log.send(message)
        logged = await mail_log.recent(3)
        assert [entry.email for entry in logged] == [sent[3], sent[2], sent[1]]
        assert logged[0].created_at > logged[1].created_at > logged[2].created_at

    async def test_a_limit_below_one_is_refused(self, mail_log: PostgresMailLog) -> None:
        with pytest.raises(ValidationError) as refused:
            await mail_log.recent(0)
        assert refused.value.field == "limit"


class TestPostgresMailLogMarkSent:
    async def test_marking_a_logged_email_sent_keeps_the_provider_message_id(self, mail_log: PostgresMailLog) -> None:
        message = email()
        await mail_log.send(message)
        assert await mail_log.is_sent(message.dedupe_key) is False
        await mail_log.mark_sent(message.dedupe_key, "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794")
        [logged] = await mail_log.recent(1)
        assert logged.email == message
        assert logged.status is MailStatus.SENT
        assert logged.provider_message_id == "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"
        assert await mail_log.is_sent(message.dedupe_key) is True

    async def test_a_sent_email_sent_again_stays_sent(self, mail_log: PostgresMailLog) -> None:
        message = email()
        await mail_log.send(message)
        await mail_log.mark_sent(message.dedupe_key, "re_1")
        await mail_log.send(message)
        [logged] = await mail_log.recent(1)
        assert (logged.status, logged.provider_message_id) == (MailStatus.SENT, "re_1")

    async def test_marking_an_email_never_logged_is_not_found(self, mail_log: PostgresMailLog) -> None:
        with pytest.raises(NotFound):
            await mail_log.mark_sent("never-logged/1", "re_1")
        assert await mail_log.is_sent("never-logged/1") is False
