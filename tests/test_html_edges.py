"""HTML reprs in the cases tests/test_html.py and tests/test_report_html.py leave out.

A calendar's facts line with holidays and recurring overrides (escaped), a
batch run with unknown ticket ids and errors, and a frame whose own HTML repr
is switched off (pandas' ``display.notebook_repr_html``), which gets the
plain table slaclock builds from its first rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from slaclock import Calendar


def facts(html: str) -> str:
    found = re.search(r"<p><b>Calendar</b>: (.*?)</p>", html)
    assert found is not None
    return found.group(1)


def test_holidays_and_recurring_overrides_in_the_facts_line() -> None:
    cal = Calendar.weekly(
        "UTC",
        "Mon-Fri 09:00-17:00",
        holidays=[dt.date(2026, 12, 25), dt.date(2026, 1, 1)],
        overrides={
            "DTSTART:20260105T000000\nRRULE:FREQ=MONTHLY;BYDAY=1MO": "10:00-12:00",
            "DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31": [],
        },
    )
    # the holiday source's repr, escaped (its quotes are the caller's text)
    assert facts(cal._repr_html_()) == (
        "zone UTC; holidays: HolidaySource.dates([&#x27;2026-01-01&#x27;, "
        "&#x27;2026-12-25&#x27;]); 2 recurring overrides"
    )
    one = Calendar.weekly(
        "UTC", "Mon-Fri 09:00-17:00", overrides={"DTSTART:20260105\nRRULE:FREQ=WEEKLY": []}
    )
    assert facts(one._repr_html_()) == "zone UTC; 1 recurring override"


def scored_with_mistakes() -> Any:
    pd = pytest.importorskip("pandas")
    from slaclock.batch import score, tables_from_tickets
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample

    tickets, now = load_sample()
    t, e = tables_from_tickets(tickets[:5], library="pandas")
    e.loc[len(e) - 1, "kind"] = "shout"  # an unknown kind: the last ticket fails
    orphan = e.iloc[[0]].assign(ticket_id="T-404")  # an event of no ticket
    e = pd.concat([e, orphan], ignore_index=True)
    return score(t, e, example_policy(), now=now, on_error="mark")


def test_a_batch_run_with_unknown_ids_and_errors() -> None:
    pytest.importorskip("pandas")
    scored = scored_with_mistakes()
    assert (scored.tickets, scored.failed, scored.orphans) == (5, 1, 1)
    html = scored._repr_html_()
    assert (
        "<p><b>Scored</b>: 5 tickets: 4 scored (" in html
        and "), 1 failed, 1 unknown ticket ids in the events</p>" in html
    )
    assert f"<p><b>Errors</b> ({len(scored.errors)} rows)</p>" in html
    assert '<div class="slaclock-errors">' in html and "No errors." not in html
    assert "T-404" in html and "shout" in html


def test_a_frame_without_its_own_html_gets_slaclock_s_table() -> None:
    pd = pytest.importorskip("pandas")
    scored = scored_with_mistakes()
    with pd.option_context("display.notebook_repr_html", False):
        assert scored.errors._repr_html_() is None
        html = scored._repr_html_()
    errors = html[html.index('<div class="slaclock-errors">') :]
    # slaclock's own table: the columns as headers, one row per error
    heads = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", errors)
    assert heads[: len(scored.errors.columns)] == [str(c) for c in scored.errors.columns]
    assert errors.count("<tr") == 1 + len(scored.errors)
    assert "T-404" in errors and "shout" in errors
    assert "dataframe" not in html  # pandas' own tables have class="dataframe"
