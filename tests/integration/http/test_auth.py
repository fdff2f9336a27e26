"""Authentication: sign-up, login, and every way a token can be wrong."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from uuid import uuid4

import asyncpg
import jwt
import pytest
from litestar.testing import AsyncTestClient

from arco_adapters.postgres.embedded import EmbeddedPostgres
from tests.integration.http.conftest import JWT_SECRET, Account, Staff


def token(secret: str = JWT_SECRET, **claims: Any) -> str:
    payload = {"sub": str(uuid4()), "aud": "authenticated", "role": "authenticated", "exp": int(time.time()) + 600}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


async def log_in(api: AsyncTestClient[Any], email: str, password: str) -> Any:
    return await api.post("/v1/auth/login", json={"email": email, "password": password})


class TestSignUpAndLogin:
    async def test_sign_up_creates_a_free_client_whose_owner_then_signs_in(self, api: AsyncTestClient[Any]) -> None:
        response = await api.post(
            "/v1/auth/signup", json={"email": "New@Example.com", "password": "long enough pass", "full_name": "Ana"}
        )
        assert response.status_code == 201
        assert "access_token" not in response.json()
        login = await api.post("/v1/auth/login", json={"email": "new@example.com", "password": "long enough pass"})
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert login.json()["user"]["email"] == "new@example.com"
        assert (await api.get("/v1/me", headers=headers)).json()["client"]["tier"] == "free"
        usage = await api.get("/v1/usage", headers=headers)
        team = next(q for q in usage.json()["quotas"] if q["resource"] == "team_members")
        assert (team["used"], team["limit"]) == (1, 1)

    async def test_a_taken_email_answers_exactly_like_a_new_one_and_changes_nothing(
        self, api: AsyncTestClient[Any]
    ) -> None:
        first = await api.post("/v1/auth/signup", json={"email": "twice@example.com", "password": "long enough pass"})
        again = await api.post("/v1/auth/signup", json={"email": "twice@example.com", "password": "other long pass"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert (await log_in(api, "twice@example.com", "long enough pass")).status_code == 200
        assert (await log_in(api, "twice@example.com", "other long pass")).status_code == 401

    async def test_racing_sign_ups_of_one_email_all_answer_alike_and_open_one_account(
        self, api: AsyncTestClient[Any], staff: Staff
    ) -> None:
        bodies = [
            {"email": "race@example.com", "password": f"racer number {n}", "company_name": "Racer"} for n in range(8)
        ]
        answers = await asyncio.gather(*(api.post("/v1/auth/signup", json=body) for body in bodies))
        assert {answer.status_code for answer in answers} == {201}
        clients = (await api.get("/v1/admin/clients?limit=100", headers=staff.headers)).json()["items"]
        assert [c["name"] for c in clients].count("Racer") == 1
        winners = [b for b in bodies if (await log_in(api, b["email"], b["password"])).status_code == 200]
        assert len(winners) == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"email": "a@example.com", "password": "short"},
            {"email": "not-an-email", "password": "long enough pass"},
            {"email": "a@example.com"},
            {"email": "a@example.com", "password": "long enough pass", "tier": "enterprise"},
            {"email": "a@example.com", "password": "long enough pass", "user_type": "admin"},
            {"email": "a@example.com", "password": "1234567890"},
            {"email": "a@example.com", "password": "            "},
        ],
        ids=["short password", "bad email", "no password", "tier", "user type", "common password", "blank"],
    )
    async def test_bad_sign_ups_are_refused_with_problem_details(
        self, api: AsyncTestClient[Any], body: dict[str, Any]
    ) -> None:
        response = await api.post("/v1/auth/signup", json=body)
        assert response.status_code in (400, 422)
        assert response.json()["status"] == response.status_code
        login = await api.post("/v1/auth/login", json={"email": "a@example.com", "password": "long enough pass"})
        assert login.status_code == 401

    async def test_a_weak_password_is_refused_naming_the_field(self, api: AsyncTestClient[Any]) -> None:
        response = await api.post("/v1/auth/signup", json={"email": "a@example.com", "password": "password123"})
        assert response.status_code == 422
        assert response.json()["field"] == "password"

    async def test_a_wrong_password_and_an_unknown_account_answer_alike(self, api: AsyncTestClient[Any]) -> None:
        await api.post("/v1/auth/signup", json={"email": "known@example.com", "password": "long enough pass"})
        wrong = await api.post("/v1/auth/login", json={"email": "known@example.com", "password": "not the one!"})
        unknown = await api.post("/v1/auth/login", json={"email": "unknown@example.com", "password": "not the one!"})
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["detail"] == unknown.json()["detail"]
        right = await api.post("/v1/auth/login", json={"email": "KNOWN@example.com", "password": "long enough pass"})
        assert right.status_code == 200
        assert (await api.get("/v1/me", headers={"Authorization": f"Bearer {right.json()['access_token']}"})).is_success


class TestTokens:
    @pytest.mark.parametrize(
        "header",
        [
            None,
            "Bearer",
            "Basic dXNlcjpwYXNz",
            "Bearer not.a.jwt",
            f"Bearer {token(secret='another-secret-that-is-long-enough-too')}",
            f"Bearer {token(exp=int(time.time()) - 3600)}",
            f"Bearer {token(aud='somebody-else')}",
            f"Bearer {token(sub='not-a-uuid')}",
            f"Bearer {token(exp=None)}",
            f"Bearer {jwt.encode({'sub': str(uuid4()), 'aud': 'authenticated'}, 'k' * 64, algorithm='HS512')}",
        ],
        ids=["none", "empty", "basic", "garbage", "wrong secret", "expired", "audience", "sub", "no exp", "alg"],
    )
    async def test_a_bad_token_gets_401_problem_details(self, api: AsyncTestClient[Any], header: str | None) -> None:
        headers = {"Authorization": header} if header else {}
        response = await api.get("/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_a_supabase_token_of_a_known_user_is_accepted(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        supabase_style = token(sub=alice.user_id, email="alice@example.com")
        response = await api.get("/v1/me", headers={"Authorization": f"Bearer {supabase_style}"})
        assert response.status_code == 200
        assert response.json()["client"]["id"] == alice.client_id

    async def test_a_supabase_token_of_an_unknown_user_is_refused(self, api: AsyncTestClient[Any]) -> None:
        response = await api.get("/v1/me", headers={"Authorization": f"Bearer {token()}"})
        assert response.status_code == 401

    async def test_health_needs_no_token(self, api: AsyncTestClient[Any]) -> None:
        assert (await api.get("/health")).status_code == 200
        assert (await api.get("/schema/openapi.json")).status_code == 200


class TestUnstorableText:
    @pytest.mark.parametrize(
        "email", [r"nul\u0000@example.com", r"lone\udc80surrogate@example.com"], ids=["nul", "surrogate"]
    )
    async def test_text_the_database_cannot_store_is_a_client_error(
        self, api: AsyncTestClient[Any], email: str
    ) -> None:
        # Raw JSON, so that the escapes reach the server exactly as a client could send them.
        body = '{"email": "' + email + '", "password": "long enough pass"}'
        headers = {"content-type": "application/json"}
        login = await api.post("/v1/auth/login", content=body, headers=headers)
        signup = await api.post("/v1/auth/signup", content=body, headers=headers)
        assert 400 <= login.status_code < 500, login.text
        assert 400 <= signup.status_code < 500, signup.text


async def mails_to(postgres: EmbeddedPostgres, database: str, email: str) -> list[dict[str, Any]]:
    """The e-mails requested for `email` (the outbox's rows), read as the schema owner."""
    connection = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=database)
    try:
        rows = await connection.fetch(
            "SELECT dedupe_key, payload FROM job_outbox WHERE job = 'send_email' AND payload->>'to' = $1", email
        )
    finally:
        await connection.close()
    return [{"dedupe_key": row["dedupe_key"], **json.loads(row["payload"])} for row in rows]


class TestSignUpMail:
    async def test_the_welcome_and_the_taken_address_notice_go_out_in_the_users_language(
        self, api: AsyncTestClient[Any], postgres: EmbeddedPostgres, database: str
    ) -> None:
        body = {"email": "lang@example.com", "password": "long enough pass", "company_name": "Lang"}
        assert (await api.post("/v1/auth/signup", json=body, headers={"Accept-Language": "en-GB"})).status_code == 201
        # A second attempt from a Portuguese browser: the notice still speaks the owner's language.
        again = await api.post("/v1/auth/signup", json=body, headers={"Accept-Language": "pt-BR"})
        assert again.status_code == 201
        mails = {mail["dedupe_key"].split(":")[0]: mail for mail in await mails_to(postgres, database, body["email"])}
        assert mails["welcome"]["subject"] == "Welcome to ARCO, Lang"
        assert mails["sign-up-with-existing-account"]["subject"].startswith("Someone tried to sign up")
        assert "<html" in mails["welcome"]["html"] and "Sign in" in mails["welcome"]["text"]

    async def test_the_body_can_choose_the_language(
        self, api: AsyncTestClient[Any], postgres: EmbeddedPostgres, database: str
    ) -> None:
        body = {"email": "pt@example.com", "password": "long enough pass", "language": "pt-BR"}
        assert (await api.post("/v1/auth/signup", json=body, headers={"Accept-Language": "en"})).status_code == 201
        [welcome] = await mails_to(postgres, database, body["email"])
        assert welcome["subject"].startswith("Boas-vindas")
