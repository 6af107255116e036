"""Repository-wide pytest configuration: Hypothesis profiles.

Select one with HYPOTHESIS_PROFILE=dev|ci|soak (default: ci when CI is set, else dev).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
# CI is derandomized: a landing must not depend on luck. Local runs (dev) keep exploring new examples.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("soak", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
