"""Sphinx configuration for the slaclock documentation.

Build (offline, warnings are errors, every cross-reference checked)::

    .venv/bin/python -m sphinx -W --keep-going -n -b html docs docs/_build/html

Run the examples on the pages::

    .venv/bin/python -m sphinx -W --keep-going -n -b doctest docs docs/_build/doctest
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path

_DOCS = Path(__file__).resolve().parent
_SRC = _DOCS.parent / "src"

# Let autodoc import the package from a plain checkout too (src layout, not
# installed). An installed copy (editable or not) resolves to the same files.
if _SRC.is_dir() and str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

# -- Project information -----------------------------------------------------

project = "slaclock"
author = "the slaclock authors"
copyright = "2026, the slaclock authors"

try:
    release = _dist_version("slaclock")
except PackageNotFoundError:
    # Building from a checkout that was never installed: the version is only
    # known to the packaging metadata, so say so instead of guessing.
    release = "0+unknown"
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_inventories", "_generated", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Every cross-reference must resolve (the build runs with -n as well).
nitpicky = True

# Third-party types that appear in slaclock's signatures and docstrings. Their
# projects publish inventories, but the build is offline by rule and we do not
# vendor their inventories (they change with every release of those
# packages), so these references are rendered as plain text instead of links.
# The standard library *is* linked, through the local inventory below.
nitpick_ignore_regex = [
    # dateutil.rrule.rrule / rruleset: recurring overrides
    ("py:class", r"dateutil\..*"),
    ("py:class", r"(rrule|rruleset)"),
    # holidays.HolidayBase and its country subclasses: accepted as a request
    ("py:class", r"holidays\..*"),
    ("py:class", r"HolidayBase"),
    # hypothesis.strategies.SearchStrategy: return type of slaclock.testing.strategies
    ("py:class", r"hypothesis\..*"),
    ("py:class", r"SearchStrategy"),
    # pendulum.DateTime is accepted wherever an aware datetime is
    ("py:class", r"pendulum\..*"),
    # numpy / pandas types may appear in batch-path signatures
    ("py:class", r"(numpy|np|pandas|pd|numpy\.typing|npt)\..*"),
    # matplotlib.figure.Figure: what slaclock.charts returns
    ("py:class", r"(matplotlib\..*|Figure)"),
]

# -- MyST --------------------------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

# -- autodoc / napoleon --------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = False
add_module_names = False
python_use_unqualified_type_names = True

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

# -- doctest -------------------------------------------------------------------

# The pages' examples are ``{doctest}`` blocks; the docstring examples pulled
# in by autodoc run too, and expect the names their module defines, hence the
# star imports (every public module has a static ``__all__``). The pages
# themselves import what they use, so each reads on its own.
doctest_global_setup = """
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import slaclock
from slaclock import *
from slaclock.errors import *
from slaclock.policies import *
from slaclock.policy_files import *
from slaclock.evaluation import *
from slaclock.reports import *
from slaclock.internal_targets import *
from slaclock.result_files import *
from slaclock.samples import *
from slaclock.charts import *
from slaclock.report_html import *
"""

# -- intersphinx (offline) -------------------------------------------------------

# No network during the build: intersphinx reads a small standard-library
# inventory shipped in docs/_inventories (see make_python_inv.py there for why
# and how to regenerate it). Links still point at docs.python.org.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", "_inventories/python.inv"),
}
intersphinx_timeout = 1

# -- HTML ----------------------------------------------------------------------

html_theme = "furo"
html_title = f"slaclock {release}"
html_static_path: list[str] = []

# -- the charts guide's pictures -------------------------------------------------

# guides/charts.md shows the charts of the sample's SLA report, drawn here at
# build time from the bundled sample (tickets, example policy, outage log) so
# they always match the code; matplotlib comes with the docs extra. Written to
# docs/_generated (git-ignored) only when they change, so incremental builds
# stay incremental.


def _draw_sample_charts() -> None:
    from slaclock import charts
    from slaclock.availability import sample_outages
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample
    from slaclock.sla_report import build_report

    tickets, now = load_sample()
    book = example_policy()
    report = build_report(
        [evaluate(t, book, now=now) for t in tickets],
        policy=book,
        outages=sample_outages(),
        now=now,
        zone="America/New_York",
    )
    out = _DOCS / "_generated" / "charts"
    out.mkdir(parents=True, exist_ok=True)
    for name, fig in charts.charts(report).items():
        path = out / f"{name}.svg"
        text = charts.to_svg(fig)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


_draw_sample_charts()
