"""Regenerate the bundled sample: ``src/slaclock/data/sample_{tickets,events}.csv``.

Run from the repository root after changing the generator
(``slaclock.samples``) or the example policy
(``src/slaclock/data/example_policy.toml``)::

    .venv/bin/python scripts/make_sample.py

The sample is deterministic: the same generator, policy and seed give
byte-identical files (``tests/test_samples.py`` checks that the committed
files are what this script writes, in its slow test).
Options: ``--tickets N``, ``--seed N`` and ``--out DIR`` (default: the
package's data folder).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from slaclock.policy_files import example_policy
from slaclock.samples import (
    SAMPLE_ATTRIBUTES,
    SAMPLE_END,
    SAMPLE_SEED,
    SAMPLE_START,
    SAMPLE_TICKETS,
    generate_sample,
    write_tables,
)

DATA = pathlib.Path(__file__).resolve().parent.parent / "src" / "slaclock" / "data"


def main(argv: list[str] | None = None) -> int:
    """Write the sample tables; print their paths and sizes."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tickets", type=int, default=SAMPLE_TICKETS)
    p.add_argument("--seed", type=int, default=SAMPLE_SEED)
    p.add_argument("--out", type=pathlib.Path, default=DATA)
    args = p.parse_args(argv)
    tickets, _ = generate_sample(
        example_policy(), tickets=args.tickets, start=SAMPLE_START, end=SAMPLE_END, seed=args.seed
    )
    args.out.mkdir(parents=True, exist_ok=True)
    tickets_path = args.out / "sample_tickets.csv"
    events_path = args.out / "sample_events.csv"
    write_tables(tickets, tickets_path, events_path, attributes=SAMPLE_ATTRIBUTES)
    for path in (tickets_path, events_path):
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
