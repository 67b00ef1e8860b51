"""The batch path: whole columns and whole ticket exports at once, with numpy.

Array operations (twins of the scalar :class:`~slaclock.calendars.Calendar`
methods, on numpy, pandas, polars or Arrow columns): :func:`is_open`,
:func:`elapsed`, :func:`due`, :func:`next_open`, :func:`next_close`,
:func:`subtract`. Scoring of ticket histories in long tables: :func:`score`
(and :func:`score_parquet` for files larger than memory). Every answer is the
scalar path's answer to the microsecond.

Importing this module imports numpy; pandas, polars and pyarrow are imported
only when a column of theirs is passed.
"""

from __future__ import annotations

from types import MappingProxyType as _MappingProxyType
from typing import TYPE_CHECKING, Any

__all__ = [
    "ERROR_COLUMNS",
    "Scored",
    "ScoredFiles",
    "due",
    "elapsed",
    "is_open",
    "next_close",
    "next_open",
    "results_frame",
    "score",
    "score_dask",
    "score_parquet",
    "spark_schema",
    "spark_scorer",
    "subtract",
    "tables_from_tickets",
]

_LAZY = _MappingProxyType(
    {
        "is_open": "slaclock.batch.arrays",
        "elapsed": "slaclock.batch.arrays",
        "due": "slaclock.batch.arrays",
        "next_open": "slaclock.batch.arrays",
        "next_close": "slaclock.batch.arrays",
        "subtract": "slaclock.batch.arrays",
        "score": "slaclock.batch.scoring",
        "Scored": "slaclock.batch.scoring",
        "ERROR_COLUMNS": "slaclock.batch.scoring",
        "tables_from_tickets": "slaclock.batch.scoring",
        "results_frame": "slaclock.batch.scoring",
        "score_parquet": "slaclock.batch.files",
        "ScoredFiles": "slaclock.batch.files",
        "score_dask": "slaclock.batch.partitions",
        "spark_schema": "slaclock.batch.partitions",
        "spark_scorer": "slaclock.batch.partitions",
    }
)

if TYPE_CHECKING:
    from slaclock.batch.arrays import due, elapsed, is_open, next_close, next_open, subtract
    from slaclock.batch.files import ScoredFiles, score_parquet
    from slaclock.batch.partitions import score_dask, spark_schema, spark_scorer
    from slaclock.batch.scoring import (
        ERROR_COLUMNS,
        Scored,
        results_frame,
        score,
        tables_from_tickets,
    )


def __getattr__(name: str) -> Any:
    import importlib

    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'slaclock.batch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
