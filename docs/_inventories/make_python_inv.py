"""Write ``python.inv``: a small Sphinx inventory for the Python standard library.

Why this file exists: the docs build must work offline (``-W -n`` with
``nitpicky = True``), so intersphinx may not download
``https://docs.python.org/3/objects.inv``. No copy of that file exists on the
build machine, so we ship a minimal one with just the standard-library names
slaclock's signatures and pages refer to. Links still point at
docs.python.org; only the lookup table is local.

Regenerate after adding a name below::

    .venv/bin/python docs/_inventories/make_python_inv.py

If a nitpicky warning names a standard-library object that is missing here,
add it to ``ENTRIES`` and rerun. Anchors follow docs.python.org's scheme
(``$`` stands for the object's full name).
"""

from __future__ import annotations

import zlib
from pathlib import Path

# (name, domain:role, uri) -- uri is relative to https://docs.python.org/3/
ENTRIES: list[tuple[str, str, str]] = []


def _add(role: str, uri: str, *names: str) -> None:
    for name in names:
        ENTRIES.append((name, role, uri))


# modules
_add("py:module", "library/datetime.html#module-$", "datetime")
_add("py:module", "library/zoneinfo.html#module-$", "zoneinfo")
_add("py:module", "library/typing.html#module-$", "typing")
_add("py:module", "library/collections.abc.html#module-$", "collections.abc")
_add("py:module", "library/pickle.html#module-$", "pickle")
_add("py:module", "library/bisect.html#module-$", "bisect")
_add("py:module", "library/array.html#module-$", "array")
_add("py:module", "library/importlib.metadata.html#module-$", "importlib.metadata")

# datetime
_add(
    "py:class",
    "library/datetime.html#$",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.tzinfo",
    "datetime.timezone",
)
_add("py:attribute", "library/datetime.html#$", "datetime.datetime.fold", "datetime.timezone.utc")
_add(
    "py:method",
    "library/datetime.html#$",
    "datetime.datetime.astimezone",
    "datetime.datetime.utcoffset",
    "datetime.datetime.replace",
)
_add("py:class", "library/zoneinfo.html#$", "zoneinfo.ZoneInfo")
_add("py:exception", "library/zoneinfo.html#$", "zoneinfo.ZoneInfoNotFoundError")

# built-in types and functions
_add(
    "py:class",
    "library/stdtypes.html#$",
    "str",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "bytes",
    "range",
)
_add("py:class", "library/functions.html#$", "int", "bool", "float", "object", "type")
_add("py:function", "library/functions.html#$", "hash", "len", "sorted", "isinstance", "repr")
_add("py:data", "library/constants.html#$", "None", "True", "False", "NotImplemented", "Ellipsis")

# exceptions and warnings
_add(
    "py:exception",
    "library/exceptions.html#$",
    "BaseException",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
    "LookupError",
    "OverflowError",
    "ArithmeticError",
    "NotImplementedError",
    "RuntimeError",
    "OSError",
    "FileNotFoundError",
    "Warning",
    "UserWarning",
    "DeprecationWarning",
)

# collections.abc
_add(
    "py:class",
    "library/collections.abc.html#$",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
    "collections.abc.Iterable",
    "collections.abc.Iterator",
    "collections.abc.Sequence",
    "collections.abc.Collection",
    "collections.abc.Container",
    "collections.abc.Callable",
    "collections.abc.Hashable",
    "collections.abc.Set",
    "collections.abc.Sized",
)

# typing (Sphinx refers to typing names with the ``obj`` role, which matches
# any object type, so ``py:data`` / ``py:class`` both resolve)
_add(
    "py:data",
    "library/typing.html#$",
    "typing.Any",
    "typing.Union",
    "typing.Optional",
    "typing.Literal",
    "typing.Final",
    "typing.ClassVar",
    "typing.Self",
    "typing.TypeAlias",
    "typing.Never",
    "typing.NoReturn",
    "typing.LiteralString",
    "typing.TYPE_CHECKING",
)
_add(
    "py:class",
    "library/typing.html#$",
    "typing.Mapping",
    "typing.Iterable",
    "typing.Iterator",
    "typing.Sequence",
    "typing.Callable",
    "typing.TypeVar",
    "typing.NamedTuple",
    "typing.TypedDict",
    "typing.Protocol",
    "typing.Generic",
)
_add("py:function", "library/typing.html#$", "typing.overload", "typing.final", "typing.cast")

# other standard library names that appear in signatures or prose
_add("py:class", "library/os.html#$", "os.PathLike")
_add("py:class", "library/pathlib.html#$", "pathlib.Path", "pathlib.PurePath")
_add("py:class", "library/decimal.html#$", "decimal.Decimal")
_add("py:class", "library/fractions.html#$", "fractions.Fraction")
_add("py:class", "library/array.html#$", "array.array")
_add("py:function", "library/bisect.html#$", "bisect.bisect_left", "bisect.bisect_right")
_add("py:class", "library/functools.html#$", "functools.cached_property")
_add("py:class", "library/enum.html#$", "enum.Enum", "enum.StrEnum", "enum.IntEnum")
_add("py:class", "library/io.html#$", "io.TextIOBase")
_add("py:class", "library/threading.html#$", "threading.Lock")
_add("py:class", "library/random.html#$", "random.Random")
_add("py:module", "library/importlib.resources.html#module-$", "importlib.resources")
_add("py:module", "library/importlib.resources.abc.html#module-$", "importlib.resources.abc")
_add("py:class", "library/importlib.resources.abc.html#$", "importlib.resources.abc.Traversable")
_add("py:function", "library/importlib.resources.html#$", "importlib.resources.files")
_add("py:module", "library/tomllib.html#module-$", "tomllib")
_add("py:function", "library/tomllib.html#$", "tomllib.loads", "tomllib.load")
_add("py:module", "library/pickle.html#module-$", "pickle")
_add("py:function", "library/pickle.html#$", "pickle.dumps", "pickle.loads")
_add("py:module", "library/fractions.html#module-$", "fractions")


def render() -> bytes:
    header = (
        b"# Sphinx inventory version 2\n"
        b"# Project: Python\n"
        b"# Version: 3\n"
        b"# The remainder of this file is compressed using zlib.\n"
    )
    lines = []
    for name, role, uri in sorted(set(ENTRIES)):
        lines.append(f"{name} {role} 1 {uri} -\n")
    return header + zlib.compress("".join(lines).encode())


if __name__ == "__main__":
    target = Path(__file__).with_name("python.inv")
    target.write_bytes(render())
    print(f"wrote {target} ({len(set(ENTRIES))} entries)")
