"""HTML reprs for notebooks: a calendar's week grid, parsed back."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from slaclock import Calendar


class Cells(HTMLParser):
    """Collects the rows of the grid: each row's header and its cell classes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str], str]] = []
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._head = ""
        self._in_th = False
        self._last_td = ""
        self._in_td = False
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "tr":
            self._row, self._head, self._last_td = [], "", ""
        elif tag == "th":
            self._in_th = True
        elif tag == "td" and self._row is not None:
            self._in_td = True
            if a.get("class"):
                self._row.append(a["class"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False
        elif tag == "td":
            self._in_td = False
        elif tag == "tr" and self._row is not None:
            if self._head and self._row:  # the hour labels' row has no cells
                self.rows.append((self._head, self._row, self._last_td))
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_th and self._row is not None and data.strip():
            self._head = data.strip()
        elif self._in_td:
            self._last_td += data


def grid(cal: Calendar) -> Cells:
    parser = Cells()
    parser.feed(cal._repr_html_())
    return parser


def test_a_weekly_calendar_is_a_grid_of_hours() -> None:
    cal = Calendar.weekly("Europe/Paris", "Mon-Fri 09:30-17:00; Sat 22:00-02:00")
    g = grid(cal)
    assert [r[0] for r in g.rows] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    mon = g.rows[0][1]
    assert len(mon) == 24
    assert mon[9] == "part" and all(c == "open" for c in mon[10:17])
    assert mon[8] == "closed" and mon[17] == "closed"
    assert g.rows[0][2] == "09:30-17:00"
    sat, sun = g.rows[5][1], g.rows[6][1]
    assert sat[22:] == ["open", "open"] and sun[:2] == ["open", "open"] and sun[2] == "closed"
    assert g.rows[6][2] == "00:00-02:00"
    assert "zone Europe/Paris" in "".join(g.text)
    assert g.scripts == 0


def test_24_7_overrides_and_combined_calendars_say_so() -> None:
    always = grid(Calendar.always_open("UTC"))
    assert all(c == "open" for _, cells, _ in always.rows for c in cells)
    assert "open around the clock" in "".join(always.text)
    desk = Calendar.weekly(
        "UTC", "Mon-Fri 09:00-17:00", overrides={dt.date(2026, 12, 24): "09:00-12:00"}
    )
    assert "1 dated override" in "".join(grid(desk).text)
    both = grid(desk & Calendar.weekly("UTC", "Mon-Sun 12:00-20:00"))
    assert len(both.rows) == 14
    assert "open when both are open" in "".join(both.text)
