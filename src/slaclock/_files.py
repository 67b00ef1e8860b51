"""Writing output files atomically: a temporary file beside the target, then a rename.

An interrupted write (an exception, a kill between two rows) leaves the old
file, or no file, never half of a new one: the data goes to a temporary file
in the target's directory (same file system, so the rename is atomic) and
:func:`os.replace` puts it in place only once it is complete.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is removed."""
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    # a fresh name, not a mkstemp file: the writer creates it with the usual
    # permissions (mkstemp's 0600 would survive the rename)
    temp = os.path.join(folder, f".{os.path.basename(target)}.{uuid.uuid4().hex}.part")
    try:
        yield temp
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
