"""Doctests of modules that need an optional library skip, naming it, when it is missing.

The README's install (``pip install -e '.[test]'``) has none of pandas,
pyarrow or dask; the examples in these modules' docstrings use them. Every
other test module skips by itself (``pytest.importorskip``).
"""

from __future__ import annotations

import importlib.util

import pytest
from _pytest.doctest import DoctestItem

#: module -> (the libraries its docstring examples import, the extra that installs them)
NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "slaclock.batch.scoring": (("pandas",), "pandas"),
    "slaclock.batch.files": (("pyarrow",), "arrow"),
    "slaclock.batch.partitions": (("dask", "pandas", "pyarrow"), "dask"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, DoctestItem):
            continue
        for module, (libraries, extra) in NEEDS.items():
            if item.name == module or item.name.startswith(module + "."):
                missing = [lib for lib in libraries if importlib.util.find_spec(lib) is None]
                if missing:
                    reason = f"needs {', '.join(missing)} (pip install 'slaclock[{extra}]')"
                    item.add_marker(pytest.mark.skip(reason=reason))
