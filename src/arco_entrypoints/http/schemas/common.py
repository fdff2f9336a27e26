"""Field types shared by several areas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Amount = Decimal  # range and finiteness are checked by the domain (Money, Project)
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
