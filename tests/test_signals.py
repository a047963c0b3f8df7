"""Ctrl-C and SIGTERM stop every command cleanly: exit status 130 and "abgebrochen", no
LibreOffice left running, no staging folder or LibreOffice profile left, no document
without its manifest entry.

Each test starts the real command line in its own session, waits until LibreOffice runs
below it, then signals it like `kill` does (SIGTERM to the process) or like Ctrl-C in a
terminal (SIGINT to the whole foreground process group). The command's temporary files go
to a private TMPDIR, and a marker in its environment finds its processes even after they
lost their parent.

The tests with `hanging` use a stand-in LibreOffice that never finishes (no LibreOffice
needed): a command must then stop at once instead of waiting for its time limit.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

MARKER = "KIM_SIGNAL_TEST"   # in the command's environment; every descendant inherits it
START_LIMIT = 120.0          # seconds until LibreOffice must run below the command
STOP_LIMIT = 20.0            # seconds the command may take to stop after the signal
GONE_LIMIT = 10.0            # seconds until no process of the run may be left
BATCH_BOOK = SAMPLES / "batch" / "kim-2025.xlsx"
TEMPLATE = ROOT / "kim_docs" / "templates" / "bescheid.docx"


# --------------------------------------------------------------------------- /proc


@dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    comm: str
    state: str


def _processes() -> Iterator[_Proc]:
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # the name may contain spaces and parentheses: it runs up to the last ')'
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        yield _Proc(int(entry.name), int(ppid), stat[stat.index("(") + 1:stat.rindex(")")], state)


def _descendants(root: int) -> list[_Proc]:
    children: dict[int, list[_Proc]] = {}
    for proc in _processes():
        children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def _of_run(token: str) -> list[_Proc]:
    """Live processes that carry the run's marker, whoever their parent is now."""
    wanted = f"{MARKER}={token}".encode()
    found = []
    for proc in _processes():
        if proc.state == "Z":  # a zombie holds nothing; its parent reaps it
            continue
        try:
            environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(proc)
    return found


def _poll(check: Callable[[], object], limit: float, interval: float = 0.1) -> object:
    deadline = time.monotonic() + limit
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------- one run


@dataclass
class _Run:
    proc: subprocess.Popen
    token: str
    out: Path
    tmp: Path

    def wait_for_libreoffice(self, also: Callable[[], bool] = lambda: True) -> None:
        def running() -> bool:
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                pytest.fail(f"command ended before LibreOffice ran ({self.proc.returncode}):\n{out}\n{err}")
            return any(p.comm == "soffice.bin" for p in _descendants(self.proc.pid)) and also()

        if not _poll(running, START_LIMIT):
            pytest.fail("LibreOffice did not start below the command")

    def interrupt(self, how: str, again_after: float | None = None, limit: float = STOP_LIMIT) -> tuple[int, str]:
        """Signal like `kill` (SIGTERM) or Ctrl-C (SIGINT to the process group); the status
        and standard error once the command has ended, at most `limit` seconds later."""
        send = (lambda: os.kill(self.proc.pid, signal.SIGTERM)) if how == "SIGTERM" else (
            lambda: os.killpg(self.proc.pid, signal.SIGINT))
        started = time.monotonic()
        send()
        if again_after is not None:  # pressed twice
            time.sleep(again_after)
            send()
        try:
            _, err = self.proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the command did not stop within {limit:g} s after {how}")
        print(f"{how}: stopped after {time.monotonic() - started:.1f} s")
        return self.proc.returncode, err


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., _Run]]:
    """Start `kim-docs ARGS` (-o TMP/out is added); whatever of it is left is killed at the end."""
    runs: list[_Run] = []

    def launch(*args: str, path: str | None = None) -> _Run:
        token = uuid.uuid4().hex
        private_tmp = tmp_path / "tmp"
        private_tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(private_tmp), MARKER: token}
        if path:
            env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-m", "kim_docs", *args, "-o", str(out)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        runs.append(_Run(proc, token, out, private_tmp))
        return runs[-1]

    yield launch
    for run in runs:  # a failed test must not leave its processes running
        for proc in [*_of_run(run.token)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.communicate()


@pytest.fixture
def hanging(tmp_path: Path) -> str:
    """A folder with a stand-in `soffice` that starts a `soffice.bin` which never ends."""
    folder = tmp_path / "hanging-soffice"
    folder.mkdir()
    (folder / "soffice.bin").symlink_to(shutil.which("sleep") or "/bin/sleep")
    script = folder / "soffice"
    script.write_text('#!/bin/sh\nexec "$(dirname "$0")/soffice.bin" 3600\n')
    script.chmod(0o755)
    return str(folder)


def _assert_stopped_cleanly(run: _Run, status: int, err: str, *, manifest: bool = True) -> None:
    assert status == 130, err
    assert err.endswith("Fehler: abgebrochen\n"), err
    assert "Traceback" not in err
    assert _poll(lambda: not _of_run(run.token), GONE_LIMIT), f"left running: {_of_run(run.token)}"
    # the lock file of the batch stays, as after every run
    hidden = sorted(p.relative_to(run.out).as_posix() for p in run.out.rglob(".kim-*")
                    if p.name != ".kim-batch.lock") if run.out.exists() else []
    assert hidden == [], f"staging or work folders left: {hidden}"
    left = sorted(p.name for p in run.tmp.iterdir() if p.name.startswith(("kim-lo-profile-", ".kim-")))
    assert left == [], f"LibreOffice profiles or staging left in TMPDIR: {left}"
    if manifest:
        _assert_manifest_names_every_document(run.out)


def _assert_manifest_names_every_document(out: Path) -> None:
    documents = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                       if p.suffix in (".docx", ".pdf")) if out.exists() else []
    if documents:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        named = {entry["datei"] for entry in manifest["dateien"]}
        assert [d for d in documents if d not in named] == []


# --------------------------------------------------------------------------- with LibreOffice


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_render_stops_cleanly(start: Callable[..., _Run], how: str) -> None:
    run = start("render", "alle", str(SAMPLES))
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt(how))


@pytest.mark.libreoffice
def test_render_ctrl_c_twice_still_cleans_up(start: Callable[..., _Run]) -> None:
    run = start("render", "alle", str(SAMPLES))
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt("SIGINT", again_after=0.3))


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_templates_preview_stops_cleanly(start: Callable[..., _Run], how: str) -> None:
    run = start("templates", "preview", str(TEMPLATE))
    run.wait_for_libreoffice()
    # a preview has no manifest: its files are for looking at, not for sending
    _assert_stopped_cleanly(run, *run.interrupt(how), manifest=False)


@pytest.mark.libreoffice
def test_killed_libreoffice_leaves_nothing_in_tmpdir(start: Callable[..., _Run]) -> None:
    run = start("templates", "preview", str(TEMPLATE))
    run.wait_for_libreoffice(also=lambda: any(run.tmp.rglob("lu*.tmp")))  # LibreOffice's own temporary folder
    _assert_stopped_cleanly(run, *run.interrupt("SIGTERM"), manifest=False)
    assert sorted(p.name for p in run.tmp.iterdir()) == []


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_batch_run_stops_cleanly(start: Callable[..., _Run], how: str) -> None:
    run = start("batch", "run", str(BATCH_BOOK), "--quiet", "--jobs", "2")
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt(how))


# --------------------------------------------------------------------------- with a hanging stand-in

# "At once": far below the converter's own time limit (120 s), which is what a command
# without the stop would wait; with room for a loaded two-core machine.
AT_ONCE = 15.0


def test_render_with_hanging_libreoffice_stops_at_once(start: Callable[..., _Run], hanging: str) -> None:
    run = start("render", "alle", str(SAMPLES), path=hanging)
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt("SIGTERM", limit=AT_ONCE))


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_preview_with_hanging_libreoffice_stops_at_once(start: Callable[..., _Run], hanging: str,
                                                         how: str) -> None:
    run = start("templates", "preview", str(TEMPLATE), path=hanging)
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt(how, limit=AT_ONCE), manifest=False)


def test_batch_with_hanging_libreoffice_leaves_no_process(start: Callable[..., _Run], hanging: str) -> None:
    run = start("batch", "run", str(BATCH_BOOK), "--quiet", "--jobs", "2", "--format", "pdf", path=hanging)
    run.wait_for_libreoffice()
    _assert_stopped_cleanly(run, *run.interrupt("SIGTERM"))
