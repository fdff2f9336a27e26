"""Sign-up, login, and what the caller is."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from arco_adapters.security.tokens import JwtAccessTokens
from arco_domain.model.access import Principal
from arco_domain.model.notifications import Language
from arco_domain.use_cases.clients import GetClient, GetUsage
from arco_domain.use_cases.identity import Authenticate
from arco_domain.use_cases.sign_up import SignUp as SignUpUseCase
from arco_entrypoints.http.auth import PUBLIC
from arco_entrypoints.http.schemas.accounts import Login, Me, Quota, Session, SignUp, SignUpAccepted, Usage, User
from arco_entrypoints.http.throttle import RATE_LIMIT


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]

    @post("/signup", operation_id="signUp", opt={PUBLIC: True, RATE_LIMIT: "signup_per_address"}, status_code=201)
    async def sign_up(
        self, request: Request[Any, Any, Any], data: JSONBody[SignUp], sign_up: NamedDependency[SignUpUseCase]
    ) -> SignUpAccepted:
        """Open a free client account with its owner; sign in next with `POST /v1/auth/login`.

        The answer is the same whether or not the e-mail already has an account (its owner is told by e-mail
        instead), so the form cannot be used to find out who is a client.
        """
        language = data.language or Language.preferred(request.headers.get("accept-language"))
        await sign_up(
            email=data.email, password=data.password, full_name=data.full_name, company_name=data.company_name,
            language=language,
        )  # fmt: skip
        return SignUpAccepted(email=data.email)

    @post("/login", operation_id="logIn", opt={PUBLIC: True, RATE_LIMIT: "login_per_address"}, status_code=200)
    async def log_in(
        self, request: Request[Any, Any, Any], data: JSONBody[Login], authenticate: NamedDependency[Authenticate],
        client_address: NamedDependency[str], access_tokens: NamedDependency[JwtAccessTokens],
    ) -> Session:  # fmt: skip
        """Exchange an e-mail and password for an access token."""
        identity = await authenticate(email=data.email, password=data.password, address=client_address)
        return Session(access_token=access_tokens.issue(identity), user=User.from_entity(identity.user))


class MeController(Controller):
    path = "/v1"
    tags = ["account"]

    @get("/me", operation_id="getMe")
    async def me(self, caller: NamedDependency[Principal], get_client: NamedDependency[GetClient]) -> Me:
        """The caller and, for client users, their client account."""
        client = await get_client(caller, caller.client_id) if caller.client_id else None
        return Me.of(caller, client)

    @get("/usage", operation_id="getUsage")
    async def usage(self, caller: NamedDependency[Principal], get_usage: NamedDependency[GetUsage]) -> Usage:
        """Each quota of the caller's client: used, limit, percent, over-limit state and period."""
        return Usage(quotas=[Quota.from_status(s) for s in await get_usage(caller, caller.own_client())])
