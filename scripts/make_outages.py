"""Write the bundled sample outage log, src/slaclock/data/sample_outages.csv.

Two services ("portal" and "api") over the sample's year: an unplanned
outage every 20 days or so (log-normal lengths around 20 minutes, a quarter
of them with a second, overlapping monitoring record) and a planned 2-hour
maintenance window on the first Saturday of every month, 06:00-08:00 UTC.
Seeded: the same file on every machine.

    python scripts/make_outages.py
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "slaclock" / "data" / "sample_outages.csv"
START = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 10, 31, tzinfo=dt.UTC)


def main() -> None:
    rng = random.Random(4711)
    rows = []
    for service in ("portal", "api"):
        t = START
        while True:
            t += dt.timedelta(hours=rng.expovariate(1 / (24 * 20)))
            if t >= END:
                break
            t0 = t.replace(microsecond=0, second=0)
            length = dt.timedelta(minutes=max(1, int(rng.lognormvariate(3.0, 1.0))))
            rows.append((service, t0, t0 + length, "false"))
            if rng.random() < 0.25:  # a second monitoring record overlapping the first
                o0 = (t0 + length / 2).replace(microsecond=0, second=0)
                o1 = (t0 + length * 1.5).replace(microsecond=0, second=0)
                rows.append((service, o0, o1, "false"))
        d = dt.date(2025, 11, 1)
        while d < dt.date(2026, 11, 1):
            first = d.replace(day=1)
            sat = first + dt.timedelta(days=(5 - first.weekday()) % 7)
            m0 = dt.datetime.combine(sat, dt.time(6), dt.UTC)
            rows.append((service, m0, m0 + dt.timedelta(hours=2), "true"))
            d = (first + dt.timedelta(days=32)).replace(day=1)
    rows.sort(key=lambda r: (r[1], r[0]))

    def fmt(t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    with open(OUT, "w", encoding="utf-8", newline="") as f:
        f.write("service,start,end,planned\n")
        for s, a, b, p in rows:
            f.write(f"{s},{fmt(a)},{fmt(b)},{p}\n")


if __name__ == "__main__":
    main()
