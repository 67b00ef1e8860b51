"""The tools of the versioning and deprecation policy (docs/explanation/versioning.md)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import warnings

import pytest

from slaclock import errors
from slaclock.evaluation import RESULT_FIELDS, RESULT_SCHEMA_VERSION


class TestDeprecationWarnings:
    def test_a_deprecation_is_a_slaclock_warning_and_a_deprecation_warning(self) -> None:
        assert issubclass(errors.SlaClockDeprecationWarning, errors.SlaClockWarning)
        assert issubclass(errors.SlaClockDeprecationWarning, DeprecationWarning)
        assert "SlaClockDeprecationWarning" in errors.__all__

    def test_the_slaclock_warning_filter_catches_it(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", errors.SlaClockWarning)
            with pytest.raises(errors.SlaClockDeprecationWarning, match="use due"):
                warnings.warn(
                    "old_due is deprecated; use due",
                    errors.SlaClockDeprecationWarning,
                    stacklevel=1,
                )

    def test_it_pickles(self) -> None:
        w = errors.SlaClockDeprecationWarning("old_due is deprecated since 1.2; use due")
        back = pickle.loads(pickle.dumps(w))
        assert type(back) is errors.SlaClockDeprecationWarning
        assert back.args == w.args

    @pytest.mark.parametrize(("where", "shown"), [("__main__", True), ("a_library", False)])
    def test_python_shows_it_to_main_and_hides_it_in_libraries(
        self, where: str, shown: bool
    ) -> None:
        # Python's default filters, in a fresh interpreter (pytest shows every warning)
        program = f"""
            import warnings
            from slaclock.errors import SlaClockDeprecationWarning
            warnings.warn_explicit(
                "deprecated", SlaClockDeprecationWarning, "x.py", 1, module={where!r}
            )
            """
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(program)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert ("SlaClockDeprecationWarning" in done.stderr) is shown


class TestTheResultSchema:
    def test_the_documented_schema_version_is_the_current_one(self) -> None:
        # A field added, renamed or redefined changes RESULT_SCHEMA_VERSION (and this test).
        assert RESULT_SCHEMA_VERSION == 1
        assert len(RESULT_FIELDS) == 26
