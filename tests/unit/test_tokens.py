"""Access tokens carry the caller's team role; tokens that leave it out are resolved from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import jwt
import pytest

from arco_adapters.memory.clock import ManualClock
from arco_adapters.security.tokens import ACCESS_TOKEN_TTL, AUDIENCE, EXPIRY_LEEWAY, REMEMBERED_TOKENS, JwtAccessTokens
from arco_domain.errors import AuthenticationFailed
from arco_domain.ids import ClientId, UserId
from arco_domain.model.access import Identity, Principal
from arco_domain.model.clients import MemberRole, User, UserType

SECRET = "a-token-secret-long-enough-for-hs256-tests"
NOW = datetime.now(UTC)  # the token library checks expiry against the real time


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(secret=SECRET, clock=ManualClock(NOW))


def user(user_type: UserType) -> User:
    return User(UserId(uuid4()), "someone@example.com", user_type, NOW)


def signed(sub: UserId, arco: dict[str, Any] | None) -> str:
    """A token as another issuer with the same secret (Supabase Auth, an older ARCO) would sign it."""
    payload: dict[str, Any] = {"sub": str(sub), "aud": AUDIENCE, "exp": int((NOW + timedelta(hours=1)).timestamp())}
    if arco is not None:
        payload["app_metadata"] = {"arco": arco}
    return jwt.encode(payload, SECRET, algorithm="HS256")


class TestTeamRoleClaim:
    @pytest.mark.parametrize("role", list(MemberRole))
    def test_a_client_users_token_carries_the_team_role(self, tokens: JwtAccessTokens, role: MemberRole) -> None:
        member, client_id = user(UserType.CLIENT), ClientId(uuid4())
        claims = tokens.verify(tokens.issue(Identity(member, client_id, role)))
        assert claims.principal == Principal(member.id, UserType.CLIENT, client_id, client_role=role)

    @pytest.mark.parametrize("staff", [UserType.ADMIN, UserType.DEVELOPER, UserType.SUPPORT])
    def test_a_staff_token_needs_no_team_role(self, tokens: JwtAccessTokens, staff: UserType) -> None:
        someone = user(staff)
        claims = tokens.verify(tokens.issue(Identity(someone, None)))
        assert claims.principal == Principal(someone.id, staff)

    def test_a_client_token_without_the_team_role_is_left_to_be_looked_up(self, tokens: JwtAccessTokens) -> None:
        member, client_id = user(UserType.CLIENT), ClientId(uuid4())
        claims = tokens.verify(signed(member.id, {"user_type": "client", "client_id": str(client_id)}))
        assert (claims.user_id, claims.principal) == (member.id, None)

    def test_a_token_with_only_a_subject_is_left_to_be_looked_up(self, tokens: JwtAccessTokens) -> None:
        someone = UserId(uuid4())
        claims = tokens.verify(signed(someone, None))
        assert (claims.user_id, claims.principal) == (someone, None)

    def test_an_impersonation_without_a_team_role_keeps_the_impersonator_and_gets_a_members_rights(
        self, tokens: JwtAccessTokens
    ) -> None:
        member, client_id, staff = UserId(uuid4()), ClientId(uuid4()), UserId(uuid4())
        arco = {"user_type": "client", "client_id": str(client_id), "impersonator_id": str(staff)}
        principal = tokens.verify(signed(member, arco)).principal
        assert principal is not None
        assert (principal.impersonator_id, principal.role) == (staff, MemberRole.MEMBER)

    @pytest.mark.parametrize("role", ["boss", "", 7])
    def test_a_team_role_that_is_not_one_is_refused(self, tokens: JwtAccessTokens, role: object) -> None:
        arco = {"user_type": "client", "client_id": str(uuid4()), "client_role": role}
        with pytest.raises(AuthenticationFailed):
            tokens.verify(signed(UserId(uuid4()), arco))


class TestRememberedTokens:
    def test_a_verified_token_is_refused_once_the_clock_passes_its_expiry(self) -> None:
        clock = ManualClock(NOW)
        tokens = JwtAccessTokens(secret=SECRET, clock=clock)
        token = tokens.issue(Identity(user(UserType.ADMIN), None))
        assert tokens.verify(token).principal is not None
        clock.advance(ACCESS_TOKEN_TTL + EXPIRY_LEEWAY - timedelta(seconds=1))
        assert tokens.verify(token).principal is not None
        clock.advance(timedelta(seconds=2))
        with pytest.raises(AuthenticationFailed, match="expired"):
            tokens.verify(token)

    def test_a_token_expired_on_arcos_clock_is_refused_the_first_time_it_is_seen(self) -> None:
        clock = ManualClock(NOW + ACCESS_TOKEN_TTL + EXPIRY_LEEWAY + timedelta(seconds=1))
        with pytest.raises(AuthenticationFailed, match="expired"):
            JwtAccessTokens(secret=SECRET, clock=clock).verify(signed(UserId(uuid4()), None))

    def test_a_changed_copy_of_a_remembered_token_is_still_checked(self, tokens: JwtAccessTokens) -> None:
        token = tokens.issue(Identity(user(UserType.ADMIN), None))
        tokens.verify(token)
        header, _, signature = token.split(".")
        forged = jwt.encode(
            {**jwt.decode(token, options={"verify_signature": False}), "sub": str(uuid4())},
            "another-secret-of-32-chars-or-more!",
        ).split(".")[1]
        with pytest.raises(AuthenticationFailed):
            tokens.verify(f"{header}.{forged}.{signature}")

    def test_it_keeps_a_bounded_number_of_tokens_and_still_verifies_those_it_let_go(self) -> None:
        tokens = JwtAccessTokens(secret=SECRET, clock=ManualClock(NOW))
        issued = [signed(UserId(uuid4()), None) for _ in range(REMEMBERED_TOKENS + 5)]
        subjects = [tokens.verify(token).user_id for token in issued]
        assert [tokens.verify(token).user_id for token in issued[:5]] == subjects[:5]
        assert len(tokens._verified) == REMEMBERED_TOKENS
