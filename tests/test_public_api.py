"""The public surface: ``__all__``, version, docstrings, and a light import."""

from __future__ import annotations

import subprocess
import sys
import types
from importlib.metadata import version

import slaclock


def test_all_matches_the_top_level() -> None:
    public = {
        n
        for n in dir(slaclock)
        if not n.startswith("_") and not isinstance(getattr(slaclock, n), types.ModuleType)
    } - {"annotations"}
    assert set(slaclock.__all__) - {"__version__"} == public
    assert sorted(slaclock.__all__) == list(slaclock.__all__)


def test_version_comes_from_package_metadata() -> None:
    assert slaclock.__version__ == version("slaclock")


def test_every_public_name_has_a_docstring() -> None:
    for name in slaclock.__all__:
        obj = getattr(slaclock, name)
        if isinstance(obj, type):
            assert obj.__doc__, name
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{name}.{attr}"


def _heavy_modules_loaded_by(code: str) -> str:
    """Run ``code`` in a fresh interpreter; return the heavy modules it loaded."""
    probe = (
        code + "\nimport sys\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'holidays', 'polars', 'pyarrow', 'icalendar'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def test_fresh_import_loads_no_numpy_pandas_or_holidays() -> None:
    assert _heavy_modules_loaded_by("import slaclock") == ""


def test_the_scalar_clock_loads_no_numpy_or_pandas() -> None:
    code = (
        "import datetime as dt, slaclock\n"
        "c = slaclock.Calendar.weekly('UTC', 'Mon-Fri 09:00-17:00')\n"
        "c.due(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.timedelta(hours=3))"
    )
    assert _heavy_modules_loaded_by(code) == ""
