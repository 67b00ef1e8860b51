"""The fuzz tests run in every plain ``pytest``, and at full strength in their own CI step.

Under the ``ci`` hypothesis profile (500 examples per property) they are left
to ``.ci/run``'s fuzz step, ``HYPOTHESIS_PROFILE=fuzz pytest -m fuzz`` (1,000
examples each, a fresh seed each run), instead of running twice.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _fuzz_in_its_own_step(request: pytest.FixtureRequest) -> None:
    asked = "fuzz" in (request.config.getoption("markexpr") or "")
    if (
        request.node.get_closest_marker("fuzz") is not None
        and os.environ.get("HYPOTHESIS_PROFILE") == "ci"
        and not asked
    ):
        pytest.skip("under the ci profile the fuzz tests run in their own step: pytest -m fuzz")
