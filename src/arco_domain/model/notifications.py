"""Outgoing messages the domain asks to be delivered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One e-mail. `dedupe_key` names its cause, so a retried send is delivered at most once."""

    to: tuple[str, ...]
    subject: str
    text: str
    dedupe_key: str
