"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (default) keeps runs quick while developing;
``ci`` runs at least 500 examples per property test (issue 3).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# helper modules of the tests (not test modules): their imports need the optional
# libraries, which the test modules that use them ask for with importorskip
collect_ignore = ["batch/export_cases.py"]
