"""Writing files so that no half-written file is ever seen, and hashing them."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which is not safe between threads.
_UMASK = _read_umask()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write under a hidden temporary name in the same folder, then rename.

    A crash or a kill leaves either the old file or the new one, never a part; the
    hidden `.NAME.*.tmp` leftovers of a killed process are cleaned by the batch.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; documents are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_bytes(path: Path, what: str = "Datei") -> bytes:
    """The bytes of a file, or an InputError saying in German why not ("Datei nicht gefunden.")."""
    from .errors import InputError

    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} nicht gefunden.", datei=str(path)) from None
    except OSError as exc:
        raise InputError(f"{what} kann nicht gelesen werden ({exc.strerror}).", datei=str(path)) from None


def json_bytes(data: Any) -> bytes:
    """JSON as kim-docs writes its files: UTF-8, umlauts as they are, indented, final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


#: The earliest time a zip entry can carry: entries with it make archives reproducible.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_entry(name: str, mode: int | None = 0o644) -> zipfile.ZipInfo:
    """A deflated zip entry with a fixed time (and, unless `mode` is None, fixed Unix
    permissions), so that the same content always gives the same archive bytes."""
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.external_attr = mode << 16
    return info


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while files and their manifest entries are written
    together, so an interruption never leaves a published file that no manifest names.
    (Only the main thread receives signals; elsewhere this does nothing.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
