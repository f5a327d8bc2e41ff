"""Crash-safe file writing: a temporary file in the same directory, fsynced, then renamed.

A process killed mid-write leaves the previous file intact (and at worst a stray
`*.tmp<pid>` file); readers never see a partial file.
"""

import contextlib
import os

TEMP_MARKER = ".tmp"


@contextlib.contextmanager
def atomic_open(path):
    """Yields a binary file; on normal exit it is fsynced and renamed over `path`.

    On an exception the temporary file is removed and `path` is left untouched.
    """
    tmp = f"{path}{TEMP_MARKER}{os.getpid()}"
    f = open(tmp, "wb")
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, path)
    finally:
        if not f.closed:
            f.close()
        if os.path.exists(tmp):
            os.remove(tmp)
    fsync_directory(os.path.dirname(path) or ".")


def atomic_write(path, data):
    """Writes `data` (bytes) to `path` atomically (see `atomic_open`)."""
    with atomic_open(path) as f:
        f.write(data)


def fsync_directory(path):
    """Makes a rename in `path` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
