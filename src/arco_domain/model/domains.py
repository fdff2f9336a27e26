"""Domains a client owns or hosts with the agency, and the rules for spelling their names."""

from __future__ import annotations

import encodings.idna
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from arco_domain.errors import ValidationError
from arco_domain.ids import ClientId, DomainId, ProjectId

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
# Checked before any IDNA work so absurd input is refused cheaply.
_MAX_RAW_LENGTH = 1024

# IDNA treats the ideographic and full-width full stops as label separators too (RFC 3490 §3.1).
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_UNDERSCORE_LABEL = re.compile(r"_[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def _ascii_label(label: str, *, field: str, allow_underscore: bool) -> str:
    if not label:
        raise ValidationError("empty label: a leading dot or two dots in a row", field=field)
    try:
        if label.isascii():
            ascii_label = label.lower()
            if ascii_label.startswith("xn--"):
                encodings.idna.ToUnicode(ascii_label)  # refuses A-labels that do not round-trip
        else:
            ascii_label = encodings.idna.ToASCII(label).decode("ascii").lower()
    except UnicodeError:
        raise ValidationError(f"label {label!r} is not a valid internationalized (IDNA) label", field=field) from None
    if len(ascii_label) > MAX_LABEL_LENGTH:
        raise ValidationError(f"label {label!r} is longer than {MAX_LABEL_LENGTH} octets", field=field)
    if _LDH_LABEL.fullmatch(ascii_label) or (allow_underscore and _UNDERSCORE_LABEL.fullmatch(ascii_label)):
        return ascii_label
    raise ValidationError(
        f"label {label!r} may hold only letters, digits and inner hyphens"
        + (", or start with one underscore" if allow_underscore else ""),
        field=field,
    )


def split_labels(raw: str, *, field: str, allow_underscore: bool = False) -> tuple[str, ...]:
    """Split a name into lower-case ASCII (A-label) labels, ignoring one trailing dot.

    Only per-label rules apply here; whole-name rules are `normalize_hostname`'s.
    """
    if len(raw) > _MAX_RAW_LENGTH:
        raise ValidationError(f"name is longer than {MAX_NAME_LENGTH} characters", field=field)
    parts = _DOTS.split(raw)
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return tuple(_ascii_label(part, field=field, allow_underscore=allow_underscore) for part in parts)


def normalize_hostname(raw: str, *, field: str = "hostname", allow_underscore: bool = False) -> str:
    """A fully-qualified host name in lower-case ASCII form; see `normalize_domain_name` for the rules.

    `allow_underscore` admits service labels such as `_acme-challenge` (CNAME targets need them).
    """
    labels = split_labels(raw, field=field, allow_underscore=allow_underscore)
    if len(labels) < 2:
        raise ValidationError(f"{raw!r} needs at least two labels, like example.com", field=field)
    if labels[-1].isdigit():
        raise ValidationError(f"top-level label of {raw!r} cannot be all digits", field=field)
    name = ".".join(labels)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"{raw!r} is longer than {MAX_NAME_LENGTH} characters", field=field)
    return name


def normalize_domain_name(raw: str) -> str:
    """Validate a registrable or hosted domain name and return its lower-case ASCII (punycode) form.

    Unicode labels are converted with the standard library's `encodings.idna`, which implements
    IDNA 2003 (nameprep, then punycode with the `xn--` prefix). IDNA 2003 maps some characters that
    IDNA 2008 keeps: "straße.de" becomes "strasse.de", not "xn--strae-oqa.de". ASCII `xn--` labels
    must decode and round-trip. One trailing dot is accepted and dropped.

    Rules: at least two labels; each label 1..63 octets of letters, digits and inner hyphens in
    ASCII form; at most 253 characters in all; the top-level label is not all digits.
    Raises ValidationError(field="domain_name").
    """
    return normalize_hostname(raw, field="domain_name")


RESERVED_SUFFIXES = frozenset(
    {"example", "test", "invalid", "localhost", "local", "onion", "alt", "arpa", "internal", "localdomain", "lan",
     "home", "corp"}
)  # fmt: skip
"""Top-level names that are never a client's site: those the IETF reserves (RFC 2606, 6761, 6762, 7686, 9476;
`arpa` is reverse DNS and `home.arpa`), and those private networks name their own hosts with (`internal` is
ICANN's reservation for that; `home` and `corp` will never be delegated)."""

EXAMPLE_SUFFIX = "example"

WILDCARD_ADDRESS_DOMAINS = frozenset({"nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me"})
"""Public wildcard-DNS services whose names answer an address of the asker's choosing (`10.0.0.1.nip.io`) or
loopback: a client's site is never one of them, and such a name would point ARCO's own probes inward."""

_HEX_NUMBER = re.compile(r"0x[0-9a-f]*")


@dataclass(frozen=True, slots=True)
class ClientDomainPolicy:
    """Which names a client may put under management. `allow_example` admits the `.example` names that a
    demo or staging install uses; production refuses them like every other reserved name."""

    allow_example: bool = False


STRICT_NAMES = ClientDomainPolicy()
"""Production's policy: every reserved name refused."""


def client_domain_name(raw: str, policy: ClientDomainPolicy) -> str:
    """`normalize_domain_name`, then refuse the names no client may add.

    Refused: names under `RESERVED_SUFFIXES` (`localhost` alone has one label and is refused already), names a
    URL parser reads as an IPv4 address (their last label is a number: all digits, refused already, or `0x`
    hex, as the WHATWG URL standard reads it), and names under `WILDCARD_ADDRESS_DOMAINS`.
    Raises ValidationError(field="domain_name").
    """
    name = normalize_domain_name(raw)
    labels = name.split(".")
    if labels[-1] in RESERVED_SUFFIXES and not (policy.allow_example and labels[-1] == EXAMPLE_SUFFIX):
        raise ValidationError(f"{name} is a reserved or internal name, not a site on the internet", field="domain_name")
    if _HEX_NUMBER.fullmatch(labels[-1]):
        raise ValidationError(f"{name} reads as an IP address, not a domain name", field="domain_name")
    if any(".".join(labels[i:]) in WILDCARD_ADDRESS_DOMAINS for i in range(len(labels))):
        raise ValidationError(f"{name} is under a wildcard DNS service that answers any address", field="domain_name")
    return name


class DomainStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    PENDING = "pending"
    SUSPENDED = "suspended"


class SslStatus(StrEnum):
    """The certificate's state as the provider reports it. `failed` is the provider's own verdict (its
    validation timed out, say), never ARCO's failure to ask."""

    ACTIVE = "active"
    EXPIRED = "expired"
    PENDING = "pending"
    FAILED = "failed"
    NONE = "none"


class HostnameStatus(StrEnum):
    """The domain's zone at the DNS provider: `pending` until the registrar points at the provider's
    nameservers, `moved` once it points elsewhere again."""

    PENDING = "pending"
    ACTIVE = "active"
    MOVED = "moved"


@dataclass(slots=True)
class Domain:
    """A client's domain: its registration, its zone at the DNS provider and its certificate state.

    `hostname_status` and `ssl_status` are the provider's answers as of `provider_checked_at`; when the
    provider could not be asked, they keep their last known values and `provider_unreachable_since` says
    since when ARCO has been unable to ask.

    `name` and `nameservers` are normalized on construction, so equal domains compare equal.
    """

    id: DomainId
    client_id: ClientId
    name: str
    status: DomainStatus
    nameservers: tuple[str, ...]
    ssl_status: SslStatus
    ssl_expires_on: date | None
    renewal_date: date | None
    project_id: ProjectId | None
    created_at: datetime
    zone_id: str | None = None
    hostname_status: HostnameStatus = HostnameStatus.PENDING
    provider_checked_at: datetime | None = None
    provider_unreachable_since: datetime | None = None

    def __post_init__(self) -> None:
        self.name = normalize_domain_name(self.name)
        self.nameservers = tuple(normalize_hostname(ns, field="nameservers") for ns in self.nameservers)
        if len(set(self.nameservers)) != len(self.nameservers):
            raise ValidationError("nameservers must not repeat", field="nameservers")

    def days_until_renewal(self, today: date) -> int | None:
        """Days left before renewal (negative once past), or None when no renewal date is known."""
        return None if self.renewal_date is None else (self.renewal_date - today).days

    def days_until_ssl_expiry(self, today: date) -> int | None:
        """Days left on the certificate (negative once expired), or None without a certificate date."""
        return None if self.ssl_expires_on is None else (self.ssl_expires_on - today).days
