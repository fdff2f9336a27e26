"""Outgoing messages the domain asks to be delivered, and the catalogue of templates they are written from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    """The languages ARCO writes to people in. Brazilian Portuguese first: the agency and most clients are there."""

    PT_BR = "pt-BR"
    EN = "en"

    @classmethod
    def preferred(cls, accept_language: str | None) -> Language:
        """The best of ours for an `Accept-Language` header (RFC 9110 weights), Portuguese when none fits."""
        ranked: list[tuple[float, int, Language]] = []
        for position, part in enumerate((accept_language or "").split(",")):
            tag, _, params = part.strip().partition(";")
            weight = 1.0
            if params.strip().startswith("q="):
                try:
                    weight = float(params.strip()[2:])
                except ValueError:
                    continue
            primary = tag.strip().lower().split("-")[0]
            match = {"pt": cls.PT_BR, "en": cls.EN}.get(primary)
            if match is not None and weight > 0:
                ranked.append((-weight, position, match))
        return min(ranked)[2] if ranked else cls.PT_BR


class MailTemplate(StrEnum):
    """Every e-mail ARCO writes from a template; each needs exactly the variables in `TEMPLATE_VARIABLES`."""

    WELCOME = "welcome"
    """A new client account was opened with this address."""
    SIGN_UP_WITH_EXISTING_ACCOUNT = "sign_up_with_existing_account"
    """Someone tried to open an account with an address that already has one."""


TEMPLATE_VARIABLES: Mapping[MailTemplate, frozenset[str]] = {
    MailTemplate.WELCOME: frozenset({"full_name", "company_name", "login_url"}),
    MailTemplate.SIGN_UP_WITH_EXISTING_ACCOUNT: frozenset({"full_name", "login_url"}),
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A template's output: the subject line and the same message as plain text and as HTML."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One e-mail. `dedupe_key` names its cause, so a retried send is delivered at most once."""

    to: tuple[str, ...]
    subject: str
    text: str
    dedupe_key: str
    html: str | None = None
    """An HTML alternative to `text`, for the clients that show one."""

    @classmethod
    def written(cls, rendered: RenderedEmail, *, to: str, dedupe_key: str) -> OutgoingEmail:
        return cls((to,), rendered.subject, rendered.text, dedupe_key, rendered.html)


SEND_EMAIL_JOB = "send_email"
"""The background job that delivers one `OutgoingEmail`."""


def email_job_payload(email: OutgoingEmail) -> dict[str, str | int | bool | None]:
    return {"to": "\n".join(email.to), "subject": email.subject, "text": email.text, "html": email.html}


def email_from_job(payload: Mapping[str, object], dedupe_key: str) -> OutgoingEmail:
    html = payload.get("html")
    return OutgoingEmail(
        to=tuple(str(payload["to"]).split("\n")),
        subject=str(payload["subject"]),
        text=str(payload["text"]),
        dedupe_key=dedupe_key,
        html=None if html is None else str(html),
    )
