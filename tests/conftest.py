"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (default) keeps runs quick while developing;
``ci`` runs at least 500 examples per property test (issue 3); ``fuzz`` 1,000 per
fuzz test (issue 7, ``pytest -m fuzz``).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
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
# the parser fuzz tests (tests/fuzz, marker "fuzz"): .ci/run runs them in their own step,
# HYPOTHESIS_PROFILE=fuzz pytest -m fuzz; a fresh seed each run, and a deadline well above any
# parse (a hang is caught by the tests' own alarm)
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=dt.timedelta(seconds=5),
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# helper modules of the tests (not test modules): their imports need the optional
# libraries, which the test modules that use them ask for with importorskip
collect_ignore = ["batch/export_cases.py"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under the ``ci`` profile the fuzz tests are left to their own step of .ci/run.

    ``HYPOTHESIS_PROFILE=fuzz pytest -m fuzz`` runs them there with 1,000
    examples each and a fresh seed, instead of a second time at the ``ci``
    profile in the main step. A plain ``pytest`` (the ``dev`` profile) runs them.
    """
    if os.environ.get("HYPOTHESIS_PROFILE") != "ci" or "fuzz" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="under the ci profile the fuzz tests run in their own step")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
