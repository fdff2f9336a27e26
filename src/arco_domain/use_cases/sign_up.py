"""Opening a client account from the public sign-up form, without telling anyone which e-mails have one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from arco_domain.errors import Conflict
from arco_domain.model.access import DataScope
from arco_domain.model.clients import User, normalize_email
from arco_domain.model.notifications import Language, MailTemplate, OutgoingEmail
from arco_domain.model.passwords import check_password_strength
from arco_domain.use_cases.base import request_email
from arco_domain.use_cases.clients import new_client_account, open_client_account
from arco_ports.clock import Clock, IdGenerator
from arco_ports.identity import PasswordHasher
from arco_ports.mail_templates import EmailTemplates
from arco_ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUp:
    """Open a free client account, or, when the e-mail already has a user, write to that user instead.

    The caller learns nothing either way: the answer, and the work done before it (the password is hashed in
    both cases), are the same. The new owner gets a welcome e-mail; the existing user an e-mail saying someone
    tried, at most one an hour, so the form cannot be used to flood an inbox.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    hasher: PasswordHasher
    templates: EmailTemplates
    login_url: str

    async def __call__(
        self, *, email: str, password: str, company_name: str | None, full_name: str | None, language: Language
    ) -> None:
        email = normalize_email(email)
        check_password_strength(password)
        password_hash = await self.hasher.hash(password)
        now = self.clock.now()
        registration = new_client_account(
            self.ids, email=email, company_name=company_name or email, full_name=full_name,
            password_hash=password_hash, now=now,
        )  # fmt: skip
        registration.user.language = language
        try:
            async with self.uow(DataScope.of_client(registration.client.id)) as uow:
                existing = await uow.users.find_by_email(email)
                if existing is not None:
                    await self._tell_existing_user(uow, existing, now)
                else:
                    await open_client_account(uow, registration, now)
                    await self._welcome(uow, registration.user, registration.client.name)
                await uow.commit()
        except Conflict:
            # Another sign-up with this e-mail committed between our look-up and our insert.
            async with self.uow(DataScope.of_client(registration.client.id)) as uow:
                existing = await uow.users.find_by_email(email)
                if existing is not None:
                    await self._tell_existing_user(uow, existing, now)
                    await uow.commit()

    async def _welcome(self, uow: UnitOfWork, user: User, company_name: str) -> None:
        variables = {"full_name": user.full_name or "", "company_name": company_name, "login_url": self.login_url}
        rendered = self.templates.render(MailTemplate.WELCOME, user.language, variables)
        await request_email(uow, OutgoingEmail.written(rendered, to=user.email, dedupe_key=f"welcome:{user.id}"))

    async def _tell_existing_user(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        variables = {"full_name": user.full_name or "", "login_url": self.login_url}
        rendered = self.templates.render(MailTemplate.SIGN_UP_WITH_EXISTING_ACCOUNT, user.language, variables)
        dedupe_key = f"sign-up-with-existing-account:{user.id}:{now:%Y-%m-%dT%H}"
        await request_email(uow, OutgoingEmail.written(rendered, to=user.email, dedupe_key=dedupe_key))
