"""The package as users get it: a built wheel (not the checkout) has everything it needs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGE = ROOT / "kim_docs"
_NOT_SOURCES = shutil.ignore_patterns(".venv", ".git", "build", "dist", "ausgabe", "*.egg-info",
                                      "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache",
                                      ".ruff_cache", "benchmarks")


def _package_data_globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["kim_docs"]


def _data_files() -> set[Path]:
    """Every file in the package that is not Python source or a cache."""
    return {p.relative_to(PACKAGE) for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}


def test_every_package_data_glob_matches_a_file() -> None:
    empty = [glob for glob in _package_data_globs() if not list(PACKAGE.glob(glob))]
    assert empty == []


def test_every_data_file_of_the_package_is_shipped() -> None:
    shipped = {p.relative_to(PACKAGE) for glob in _package_data_globs() for p in PACKAGE.glob(glob)}
    assert sorted(map(str, _data_files() - shipped)) == []


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "quelle"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES, symlinks=True)
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(source)],
                   check=True, capture_output=True)
    (wheel,) = out.glob("kim_docs-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed; its dependencies are taken from the test
    environment's site-packages (a .pth file), which adds no kim_docs of its own:
    the editable install there is a .pth file too, and those are not read in a path
    that another .pth file adds."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (site / "test-abhaengigkeiten.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    return venv


@pytest.mark.libreoffice
def test_wheel_in_a_fresh_venv_renders_a_bescheid_and_lints_from_any_folder(tmp_path: Path) -> None:
    venv = _fresh_venv(tmp_path, _build_wheel(tmp_path))
    elsewhere = tmp_path / "irgendwo"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIM_DOCS_TEMPLATES_DIR")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=elsewhere, env=env, capture_output=True, text=True,
                              timeout=300)

    where = run(venv / "bin" / "python", "-c", "import kim_docs; print(kim_docs.__file__)")
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr

    sample = run(venv / "bin" / "python", "-c",
                 "from kim_docs.resources import shipped; print(shipped('samples') / 'kreis-musterland-2025.yaml')")
    case = Path(sample.stdout.strip())
    assert case.is_file() and str(case).startswith(str(venv))

    made = run(venv / "bin" / "kim-docs", "render", "bescheid", case, "-o", "ausgabe")
    assert made.returncode == 0, made.stdout + made.stderr
    names = sorted(p.name for p in (elsewhere / "ausgabe").iterdir())
    assert names == ["2025_Kreis-Musterland_Zuwendungsbescheid.docx", "2025_Kreis-Musterland_Zuwendungsbescheid.pdf",
                     "manifest.json"]

    lint = run(venv / "bin" / "kim-docs", "templates", "lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "bescheid.docx" in lint.stdout
