"""Fixtures shared by the tests."""
from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner):
    from kim_docs.cli import main

    def invoke(*args: str, **kwargs: Any):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


# `make test-fast` runs the tests not marked `libreoffice` with KIM_TEST_FAST=1. There,
# `soffice` on PATH is a stand-in that fails loudly, so a test that needs LibreOffice but
# lacks the marker fails instead of silently taking its time.
_FAKE_SOFFICE = """#!/bin/sh
echo "soffice in make test-fast: Test braucht @pytest.mark.libreoffice" >&2
exit 97
"""


@pytest.fixture(autouse=True)
def _no_libreoffice_in_fast_mode(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    if os.environ.get("KIM_TEST_FAST") != "1" or request.node.get_closest_marker("libreoffice"):
        return
    folder = tmp_path_factory.getbasetemp() / "fake-soffice"
    if not folder.exists():
        folder.mkdir()
        fake = folder / "soffice"
        fake.write_text(_FAKE_SOFFICE)
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
