"""Reading a checked file: regular files only, with the status taken before the bytes.

This module imports nothing of the analysis, so a warm ``pitfalls check`` can verify and
print cached results without loading the engine or the rules.
"""

from __future__ import annotations

import errno
import os
import stat


def read_regular_file(path: os.PathLike[str] | str) -> tuple[os.stat_result, bytes]:
    """The status and bytes of a regular file. Anything else raises OSError: reading a FIFO
    named ``x.py`` would wait forever for a writer, and a device could never end.

    The status comes from the open descriptor before reading, so a write that lands while
    the bytes are read leaves a newer modification time than the one returned."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket or device)", str(path))
        with os.fdopen(descriptor, "rb") as stream:
            descriptor = -1
            return status, stream.read()
    finally:
        if descriptor >= 0:
            os.close(descriptor)
