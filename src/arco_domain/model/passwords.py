"""What a password must be: long enough, not blank-ish, and not one of the passwords everyone tries first."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from arco_domain.errors import ValidationError

MIN_PASSWORD = 10
MAX_PASSWORD = 256
MIN_DISTINCT_CHARACTERS = 4
COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"
"""The 10,000 most used passwords, most used first, lower-cased (from the list Django ships, after Royce Williams'
2017 compilation of leaked passwords): what a credential-stuffing run tries before anything else."""


@cache
def common_passwords() -> frozenset[str]:
    packed = resources.files("arco_domain.model.data").joinpath(COMMON_PASSWORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(packed).decode().split())


def check_password_strength(password: str) -> None:
    """Raise `ValidationError` on `password` unless it is fit to protect an account."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(f"password must be {MIN_PASSWORD}..{MAX_PASSWORD} characters", field="password")
    # Spaces, repeats ("aaaaaaaaaa") and runs like "1212121212" count for nothing.
    if len(set(password.strip())) < MIN_DISTINCT_CHARACTERS:
        raise ValidationError(
            f"password needs at least {MIN_DISTINCT_CHARACTERS} different characters", field="password"
        )
    if password.strip().lower() in common_passwords():
        raise ValidationError("password is one of the most commonly used passwords", field="password")
