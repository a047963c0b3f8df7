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
