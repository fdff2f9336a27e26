"""Outgoing messages the domain asks to be delivered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One e-mail. `dedupe_key` names its cause, so a retried send is delivered at most once."""

    to: tuple[str, ...]
    subject: str
    text: str
    dedupe_key: str


SEND_EMAIL_JOB = "send_email"
"""The background job that delivers one `OutgoingEmail`."""


def email_job_payload(email: OutgoingEmail) -> dict[str, str | int | bool | None]:
    return {"to": "\n".join(email.to), "subject": email.subject, "text": email.text}


def email_from_job(payload: Mapping[str, object], dedupe_key: str) -> OutgoingEmail:
    return OutgoingEmail(
        to=tuple(str(payload["to"]).split("\n")),
        subject=str(payload["subject"]),
        text=str(payload["text"]),
        dedupe_key=dedupe_key,
    )
