"""The output folder of a run: one run at a time, and no leftovers of a killed one."""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

from ..errors import InputError

LOCK_NAME = ".kim-batch.lock"
WORK_PREFIX = ".kim-batch-"   # + the pid: a worker's hidden folder in the output folder

# work folders of workers, LibreOffice staging, half-written files (files.write_atomic)
_STALE = re.compile(r"^(\.kim-batch-\d+.*|\.kim-pdf-.*|\..+\.tmp)$")


class Lock:
    """An exclusive lock on the output folder: two runs in one folder would clean up each
    other's work files."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_NAME
        self.handle: Any = None

    def __enter__(self) -> Lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: no lock
            return self
        self.handle = self._open()
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise InputError("In diesen Ordner schreibt gerade ein anderer Stapellauf",
                             datei=str(self.path.parent)) from None
        return self

    def _open(self) -> Any:
        """The lock file, never through a symbolic link (which could point anywhere) and only
        as a regular file; created if missing. Not O_EXCL: a killed run leaves it behind, and
        the flock, not the file's existence, is the lock."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(f"{LOCK_NAME} ist ein symbolischer Link; bitte entfernen",
                                 datei=str(self.path.parent)) from None
            raise InputError(f"{LOCK_NAME} kann nicht angelegt werden ({exc.strerror})",
                             datei=str(self.path.parent)) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(f"{LOCK_NAME} ist keine gewöhnliche Datei; bitte entfernen",
                             datei=str(self.path.parent))
        return os.fdopen(fd, "r+")

    def __exit__(self, *exc: Any) -> None:
        if self.handle is not None:
            # removed while still held: a run that opened it meanwhile fails to lock it, and
            # one that comes later makes a new one; the clerk sees no leftover
            self.path.unlink(missing_ok=True)
            self.handle.close()


def clean_stale(out_dir: Path) -> list[str]:
    """Remove work folders and temporary files a killed run left behind (under the lock)."""
    removed = []
    for path in out_dir.iterdir():
        if _STALE.match(path.name):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)
