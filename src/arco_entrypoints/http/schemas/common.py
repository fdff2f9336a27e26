"""Field types shared by several areas."""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
