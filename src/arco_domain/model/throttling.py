"""Rate limits: how many of an act one caller may make in a window, and the back-off after failed logins."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from arco_domain.errors import TooManyRequests


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `limit` events per moving window of `period`, counted per key (an address, an account)."""

    name: str
    limit: int
    period: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period < timedelta(seconds=1):
            raise ValueError(f"rate limit {self.name}: at least 1 event per at least 1 second")


@dataclass(frozen=True, slots=True)
class RateVerdict:
    """Where one key stands against one limit: whether the event passed, what is left, when a slot frees."""

    rule: RateLimit
    allowed: bool
    remaining: int
    reset_after: timedelta

    def refusal(self, what: str) -> TooManyRequests:
        wait = max(1, math.ceil(self.reset_after.total_seconds()))
        return TooManyRequests(
            f"too many {what}; try again in {wait} s",
            limit=self.rule.limit, window_seconds=int(self.rule.period.total_seconds()), retry_after_seconds=wait,
        )  # fmt: skip


def _ladder(name: str, first: int, window: timedelta, rungs: int) -> tuple[RateLimit, ...]:
    # Each rung allows twice the failures of the one before in four times the window: an attacker who keeps
    # failing waits 15 minutes, then an hour, then 4 hours, then 16, while a person who mistypes a few times
    # never meets more than the first rung.
    return tuple(RateLimit(f"{name}-{rung}", first * 2**rung, window * 4**rung) for rung in range(rungs))


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The limits in force (SPEC defaults unless configured)."""

    login_per_address: RateLimit = RateLimit("login-address", 10, timedelta(minutes=1))
    signup_per_address: RateLimit = RateLimit("signup-address", 5, timedelta(hours=1))
    public_per_address: RateLimit = RateLimit("public-address", 60, timedelta(minutes=1))
    login_failures: tuple[RateLimit, ...] = _ladder("login-failures", 5, timedelta(minutes=15), rungs=4)
    """Failed logins per account and address together: a stranger's failures never lock the owner out."""

    CONFIGURABLE = ("login_per_address", "signup_per_address", "public_per_address", "login_failures")

    def configured(self, overrides: Mapping[str, tuple[int, timedelta]]) -> RateLimits:
        """These limits with some replaced: `{"signup_per_address": (5, timedelta(hours=1))}`.

        For `login_failures` the pair sets the first rung; the later rungs keep doubling and quadrupling it.
        """
        changes: dict[str, RateLimit | tuple[RateLimit, ...]] = {}
        for key, (limit, period) in overrides.items():
            if key not in self.CONFIGURABLE:
                raise ValueError(f"unknown rate limit {key!r}; known: {', '.join(self.CONFIGURABLE)}")
            if key == "login_failures":
                changes[key] = _ladder("login-failures", limit, period, rungs=len(self.login_failures))
            else:
                current: RateLimit = getattr(self, key)
                changes[key] = RateLimit(current.name, limit, period)
        return replace(self, **changes)  # type: ignore[arg-type]


def login_failure_key(email: str, address: str) -> str:
    return f"{email}|{address}"


def strictest(verdicts: Sequence[RateVerdict]) -> RateVerdict | None:
    """The refusal that lasts longest among `verdicts`, or `None` when every one has room left."""
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    return max(refused, key=lambda verdict: verdict.reset_after, default=None)
