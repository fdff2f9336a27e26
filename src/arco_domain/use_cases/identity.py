"""Sign-in with ARCO's own accounts, and staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

from arco_domain.errors import AuthenticationFailed, NotFound, ValidationError
from arco_domain.ids import UserId
from arco_domain.model.access import DataScope, Identity
from arco_domain.model.clients import User, UserType, normalize_email
from arco_domain.model.passwords import check_password_strength
from arco_domain.model.throttling import RateLimits, login_failure_key
from arco_ports.clock import Clock, IdGenerator
from arco_ports.identity import PasswordHasher
from arco_ports.rate_limiter import RateLimiter
from arco_ports.unit_of_work import UnitOfWorkFactory


async def hash_password(hasher: PasswordHasher | None, password: str | None) -> str | None:
    if password is None:
        return None
    if hasher is None:
        raise ValidationError("this deployment does not take passwords", field="password")
    check_password_strength(password)
    return await hasher.hash(password)


@dataclass(frozen=True, slots=True, kw_only=True)
class Authenticate:
    """Check an e-mail and password; failures never reveal whether the account exists.

    Failed attempts are counted per account and address together, on the escalating windows of
    `RateLimits.login_failures`: whoever keeps guessing waits longer and longer, and only from where they
    guess, so nobody can lock the agency's admin out from elsewhere. Each attempt takes its slot before the
    password is checked, so a burst of parallel guesses gets no more tries than a sequence would.
    """

    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    limiter: RateLimiter
    limits: RateLimits

    async def __call__(self, *, email: str, password: str, address: str) -> Identity:
        account = email.strip().lower()
        attempts = login_failure_key(account, address)
        for rule in self.limits.login_failures:
            verdict = await self.limiter.hit(rule, attempts)
            if not verdict.allowed:
                raise verdict.refusal("failed sign-ins for this account from this address")
        async with self.uow(DataScope.all_clients()) as uow:
            user = await uow.users.find_by_email(account)
            seat = await uow.members.of_user(user.id) if user else None
        if user is None or not await self.hasher.verify(user.password_hash, password):
            if user is None:
                # The same work as a real check, so the answer's timing does not reveal unknown accounts.
                await self.hasher.verify(None, password)
            raise AuthenticationFailed("wrong e-mail or password")
        for rule in self.limits.login_failures:
            await self.limiter.clear(rule, attempts)
        return Identity(user, seat.client_id, seat.role) if seat else Identity(user, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifyUser:
    """Resolve a user id from a trusted token into an identity (for tokens that carry only `sub`)."""

    uow: UnitOfWorkFactory

    async def __call__(self, user_id: UserId) -> Identity:
        async with self.uow(DataScope.all_clients()) as uow:
            try:
                user = await uow.users.get(user_id)
            except NotFound as unknown:
                raise AuthenticationFailed("the token's user has no account here") from unknown
            seat = await uow.members.of_user(user_id)
        return Identity(user, seat.client_id, seat.role) if seat else Identity(user, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateStaffUser:
    """Create an agency staff account: admin, developer or support."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    hasher: PasswordHasher | None = None

    async def __call__(
        self, *, email: str, user_type: UserType, full_name: str | None = None, password: str | None = None
    ) -> User:
        if not user_type.is_staff:
            raise ValidationError("staff accounts are admins, developers or support", field="role")
        user = User(
            id=UserId(self.ids.new_id()), email=normalize_email(email), user_type=user_type,
            created_at=self.clock.now(), full_name=full_name,
            password_hash=await hash_password(self.hasher, password),
        )  # fmt: skip
        async with self.uow(DataScope.all_clients()) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user
