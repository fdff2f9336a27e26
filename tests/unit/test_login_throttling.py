"""Failed logins back off per account and address together, and a burst gets no more guesses than a sequence."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from arco_adapters.mail_templates import JinjaEmailTemplates
from arco_adapters.memory.rate_limiter import MemoryRateLimiter
from arco_domain.errors import AuthenticationFailed, TooManyRequests
from arco_domain.model.notifications import Language
from arco_domain.model.throttling import RateLimits
from arco_domain.use_cases.identity import Authenticate
from arco_domain.use_cases.sign_up import SignUp
from tests.unit.conftest import World
from tests.unit.fake_hasher import RecordingHasher

EMAIL, PASSWORD = "admin@agency.example", "the right passphrase"
ATTACKER, OWNER = "198.51.100.66", "203.0.113.10"


@pytest.fixture
def hasher() -> RecordingHasher:
    return RecordingHasher()


@pytest.fixture
async def authenticate(world: World, hasher: RecordingHasher) -> Authenticate:
    await world.build(SignUp, hasher=hasher, templates=JinjaEmailTemplates(), login_url="https://x.example")(
        email=EMAIL, password=PASSWORD, company_name=None, full_name=None, language=Language.EN
    )
    return world.build(Authenticate, hasher=hasher, limiter=MemoryRateLimiter(world.clock), limits=RateLimits())


async def fail(authenticate: Authenticate, times: int, address: str = ATTACKER) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            await authenticate(email=EMAIL, password="a wrong guess", address=address)


class TestLoginThrottling:
    async def test_after_five_failures_even_the_right_password_waits_and_is_not_checked(
        self, authenticate: Authenticate, hasher: RecordingHasher
    ) -> None:
        await fail(authenticate, 5)
        checked = len(hasher.verified)
        with pytest.raises(TooManyRequests) as refused:
            await authenticate(email=EMAIL, password=PASSWORD, address=ATTACKER)
        assert len(hasher.verified) == checked
        assert 14 * 60 < refused.value.retry_after_seconds <= 15 * 60
        assert refused.value.limit == 5

    async def test_a_strangers_failures_never_lock_the_owner_out_from_elsewhere(
        self, authenticate: Authenticate
    ) -> None:
        await fail(authenticate, 5)
        identity = await authenticate(email=EMAIL, password=PASSWORD, address=OWNER)
        assert identity.user.email == EMAIL

    async def test_a_success_forgets_earlier_failures(self, authenticate: Authenticate) -> None:
        await fail(authenticate, 4, OWNER)
        await authenticate(email=EMAIL, password=PASSWORD, address=OWNER)
        await fail(authenticate, 4, OWNER)
        assert (await authenticate(email=EMAIL, password=PASSWORD, address=OWNER)).user.email == EMAIL

    async def test_who_keeps_failing_waits_longer_each_round(self, authenticate: Authenticate, world: World) -> None:
        waits = []
        for _ in range(3):
            while True:
                try:
                    await authenticate(email=EMAIL, password="a wrong guess", address=ATTACKER)
                except AuthenticationFailed:
                    continue
                except TooManyRequests as refused:
                    waits.append(refused.retry_after_seconds)
                    world.clock.advance(timedelta(seconds=refused.retry_after_seconds))
                    break
        assert waits[0] <= 15 * 60 < waits[-1]
        assert waits == sorted(waits)

    async def test_unknown_accounts_are_throttled_alike_and_cost_a_check(
        self, authenticate: Authenticate, hasher: RecordingHasher
    ) -> None:
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                await authenticate(email="nobody@agency.example", password="a wrong guess", address=ATTACKER)
        assert hasher.verified[-1] == (None, "a wrong guess")
        with pytest.raises(TooManyRequests):
            await authenticate(email="nobody@agency.example", password="a wrong guess", address=ATTACKER)

    async def test_a_parallel_burst_gets_no_more_guesses_than_a_sequence(
        self, authenticate: Authenticate, hasher: RecordingHasher
    ) -> None:
        before = len(hasher.verified)
        outcomes = await asyncio.gather(
            *(authenticate(email=EMAIL, password=f"guess {n}", address=ATTACKER) for n in range(30)),
            return_exceptions=True,
        )
        assert sum(isinstance(o, AuthenticationFailed) for o in outcomes) == 5
        assert sum(isinstance(o, TooManyRequests) for o in outcomes) == 25
        assert len(hasher.verified) - before == 5
