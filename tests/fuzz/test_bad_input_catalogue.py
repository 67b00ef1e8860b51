"""docs/bad-inputs.md is what scripts/make_bad_input_catalogue.py writes (the errors as they are now)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_bad_input_catalogue.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bad_input_catalogue", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogue_page_is_up_to_date() -> None:
    script = _script()
    assert script.PAGE.read_text(encoding="utf-8") == script.render(), (
        "docs/bad-inputs.md is stale: run python scripts/make_bad_input_catalogue.py"
    )


def test_every_input_of_the_catalogue_gets_a_slaclock_error() -> None:
    page = _script().render()
    assert "(no error)" not in page
    rows = [line for line in page.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) > 100
