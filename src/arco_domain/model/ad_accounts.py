"""Ad accounts a client connects so ARCO can read its campaigns, and the rules of syncing them.

The tier decides which platforms a client may connect (`Plan.campaign_platforms`). A client that moves to a
tier without a platform keeps its connected accounts and everything synced from them; they are just not
synced while the tier leaves the platform out, and sync again if it comes back.

Platforms restate recent days as late conversions arrive, so every sync reads a rolling window of recent days
again (`lookback_days`, per platform) and stores the days the platform reports in it, replacing what was
stored for them (a day the platform stops reporting at all keeps its last figures); the first sync of an
account reads further back (`FIRST_SYNC_DAYS`) so the dashboard starts with history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from arco_domain.errors import PermissionDenied, ValidationError
from arco_domain.ids import AdAccountId, ClientId
from arco_domain.model.tiers import CampaignPlatform, Tier, plan_for

DEFAULT_LOOKBACK_DAYS = 28
"""Meta restates insights for up to 28 days; Google's default conversion window is 30 days, of which the
platform's own reports change most within the first four weeks."""

FIRST_SYNC_DAYS = 90
MAX_LOOKBACK_DAYS = 90


class AdAccountStatus(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(slots=True)
class AdAccount:
    """A client's account on an ad platform. `sealed_grant` is the client's grant (a refresh or access
    token) encrypted by the `SecretBox`; it is emptied when the account is disconnected."""

    id: AdAccountId
    client_id: ClientId
    platform: CampaignPlatform
    external_id: str
    login_customer_id: str | None
    sealed_grant: bytes
    status: AdAccountStatus
    connected_at: datetime
    last_synced_at: datetime | None = None
    last_sync_error: str | None = None

    def __post_init__(self) -> None:
        if not self.external_id.strip():
            raise ValidationError("the ad account id must not be blank", field="account_id")


def normalize_account_id(platform: CampaignPlatform, raw: str) -> str:
    """The platform's account id as ARCO stores it: Google's customer id as ten digits (written 123-456-7890
    in its interface), Meta's ad account id without its `act_` prefix; digits only."""
    text = raw.strip()
    if platform is CampaignPlatform.GOOGLE_ADS:
        text = text.replace("-", "")
    elif platform is CampaignPlatform.META_ADS:
        text = text.removeprefix("act_")
    if not text.isdigit() or not text.isascii() or len(text) > 32:
        raise ValidationError(f"{raw!r} is not a {platform.value} account id (digits only)", field="account_id")
    return text


def check_platform_allowed(tier: Tier, platform: CampaignPlatform) -> None:
    """Raise PermissionDenied, naming the tiers that would allow it, when `tier` leaves `platform` out."""
    if platform in plan_for(tier).campaign_platforms:
        return
    allowing = [t.value for t in Tier if platform in plan_for(t).campaign_platforms]
    raise PermissionDenied(
        f"the {tier.value} tier does not include {platform.value} campaigns; {' or '.join(allowing) or 'no tier'} does"
    )


def sync_window(today: date, lookback_days: int, *, last_synced_on: date | None) -> tuple[date, date]:
    """The days a sync reads, `[start, today]` inclusive: the lookback window, reaching back further to the
    last sync when it is older (the account was paused by its tier, its grant broken, the worker down), and
    `FIRST_SYNC_DAYS` when there was none; never more than `FIRST_SYNC_DAYS`."""
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise ValidationError(f"the lookback must be 1..{MAX_LOOKBACK_DAYS} days", field="lookback_days")
    since_last = FIRST_SYNC_DAYS if last_synced_on is None else (today - last_synced_on).days + 1
    days = min(max(lookback_days, since_last), FIRST_SYNC_DAYS)
    return today - timedelta(days=days - 1), today
