"""Sign-up from the public form: an account or an e-mail, and the caller cannot tell which."""

from __future__ import annotations

import pytest

from arco_adapters.mail_templates import JinjaEmailTemplates
from arco_adapters.memory.jobs import requested_jobs
from arco_domain.errors import ValidationError
from arco_domain.model.access import DataScope
from arco_domain.model.notifications import SEND_EMAIL_JOB, Language
from arco_domain.use_cases.sign_up import SignUp
from tests.unit.conftest import World
from tests.unit.fake_hasher import RecordingHasher

PASSWORD = "a sound passphrase"
LOGIN_URL = "https://app.agency.example/entrar"


def sign_up_in(world: World, hasher: RecordingHasher | None = None) -> SignUp:
    return world.build(SignUp, hasher=hasher or RecordingHasher(), templates=JinjaEmailTemplates(), login_url=LOGIN_URL)


def emails(world: World) -> dict[str, dict[str, object]]:
    return {key: payload for key, (job, payload) in requested_jobs(world.uow.store).items() if job == SEND_EMAIL_JOB}


async def clients_of(world: World) -> int:
    async with world.uow(DataScope.all_clients()) as uow:
        return len(await uow.clients.list_all(limit=100))


class TestSignUp:
    async def test_a_new_address_opens_a_free_account_and_gets_a_welcome_in_its_language(self, world: World) -> None:
        await sign_up_in(world)(
            email="Ana@Example.com", password=PASSWORD, company_name="Padaria Ana", full_name="Ana",
            language=Language.PT_BR,
        )  # fmt: skip
        async with world.uow(DataScope.all_clients()) as uow:
            user = await uow.users.find_by_email("ana@example.com")
        assert user is not None and user.password_hash == "plain:" + PASSWORD and user.language is Language.PT_BR
        [welcome] = emails(world).values()
        assert welcome["to"] == "ana@example.com"
        assert "Boas-vindas" in str(welcome["subject"]) and "Padaria Ana" in str(welcome["subject"])
        assert LOGIN_URL in str(welcome["text"]) and f'href="{LOGIN_URL}"' in str(welcome["html"])

    async def test_a_taken_address_opens_nothing_and_its_owner_is_told_in_the_owners_language(
        self, world: World
    ) -> None:
        sign_up = sign_up_in(world)
        await sign_up(email="bea@example.com", password=PASSWORD, company_name="Bea", full_name=None,
                      language=Language.EN)  # fmt: skip
        hasher = RecordingHasher()
        await sign_up_in(world, hasher)(
            email="bea@example.com", password="another passphrase", company_name="Intruder", full_name=None,
            language=Language.PT_BR,
        )  # fmt: skip
        assert await clients_of(world) == 1
        # The password is hashed whether or not the address is taken, so the answer takes as long.
        assert hasher.hashed == ["another passphrase"]
        notice = next(payload for key, payload in emails(world).items() if key.startswith("sign-up-with-existing"))
        assert notice["to"] == "bea@example.com"
        assert str(notice["subject"]).startswith("Someone tried to sign up")
        async with world.uow(DataScope.all_clients()) as uow:
            user = await uow.users.find_by_email("bea@example.com")
        assert user is not None and user.password_hash == "plain:" + PASSWORD

    async def test_repeated_attempts_on_a_taken_address_send_one_notice_an_hour(self, world: World) -> None:
        sign_up = sign_up_in(world)
        for _ in range(4):
            await sign_up(email="cid@example.com", password=PASSWORD, company_name=None, full_name=None,
                          language=Language.EN)  # fmt: skip
        notices = [key for key in emails(world) if key.startswith("sign-up-with-existing")]
        assert len(notices) == 1

    @pytest.mark.parametrize(
        "password",
        ["1234567890", "qwertyuiop", "Password123", "          ", "aaaaaaaaaaaa", "abababababab", "short"],
        ids=["digits", "keyboard row", "common mixed case", "blank", "one character", "two characters", "short"],
    )
    async def test_blank_ish_short_or_common_passwords_are_refused_naming_the_field(
        self, world: World, password: str
    ) -> None:
        hasher = RecordingHasher()
        with pytest.raises(ValidationError) as refused:
            await sign_up_in(world, hasher)(
                email="dee@example.com", password=password, company_name=None, full_name=None, language=Language.EN
            )
        assert refused.value.field == "password"
        assert hasher.hashed == [] and await clients_of(world) == 0
