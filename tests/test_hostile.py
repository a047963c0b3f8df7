"""A generated corpus of malformed case files (issue 13) run through the command line:
validate (all at once), calc, render and batch run (samples). Whatever the input: no
traceback, no "interner Fehler", exit 1 or 2, nothing written outside the output folder,
and every run within its timeout."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_hostile_input import BOMB, DEEP, HOSTILE_CASES, SAMPLE

SAMPLE_DATA: dict[str, Any] = yaml.safe_load(SAMPLE)
ALWAYS_WRONG = {"falsch": [1]}  # no field of the case format accepts this


def _leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            paths += _leaf_paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths += _leaf_paths(value, prefix + (index,))
    return paths


def _replaced(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(SAMPLE_DATA, default=str))
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def corpus() -> dict[str, bytes]:
    """name → content; every one of them must be refused (exit 2) or give a Fehler."""
    files: dict[str, bytes] = {}
    # a wrong type at every key and every list item of the sample (as YAML and as JSON)
    for i, path in enumerate(_leaf_paths(SAMPLE_DATA)):
        wrong = "ein Text" if isinstance(_get(path), (dict, list)) else ALWAYS_WRONG
        data = _replaced(path, wrong)
        if i % 2:
            files[f"typ-{i:03d}.json"] = json.dumps(data, ensure_ascii=False).encode()
        else:
            files[f"typ-{i:03d}.yaml"] = yaml.safe_dump(data, allow_unicode=True).encode()
    # truncated before the Stellen are complete: YAML and JSON
    stop = SAMPLE.index("stellen:")
    as_json = json.dumps(SAMPLE_DATA, default=str, ensure_ascii=False)
    for n in range(25):
        files[f"kurz-{n:02d}.yaml"] = SAMPLE[: 1 + n * stop // 25].encode()
        files[f"kurz-{n:02d}.json"] = as_json[: 1 + n * len(as_json) // 25].encode()
    rnd = random.Random(13)
    for n in range(20):
        files[f"binaer-{n:02d}.yaml"] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
    files["bom-utf8.yaml"] = b"\xef\xbb\xbf" + b"\x00\x01garbage"
    files["utf16le.yaml"] = SAMPLE.encode("utf-16")
    files["utf16be.json"] = "\ufeff".encode("utf-16-be") + as_json.encode("utf-16-be")
    files["utf32.yaml"] = SAMPLE.encode("utf-32")
    files["latin1.yaml"] = SAMPLE.encode("latin-1", errors="replace")
    for n, text in enumerate(["", " \n\t\n", "---\n", "null\n", "[]\n", "42\n", '""\n', "~", "- - -", "{}", "[]",
                              "true", '"x"', "{", "}", "a: b: c", "\x00", "%YAML 1.1\n---\n", "!!binary x"]):
        files[f"leer-{n:02d}.{'json' if n % 2 else 'yaml'}"] = text.encode()
    files["gross-name.yaml"] = SAMPLE.replace("name: Kreis Musterland", "name: " + "x" * 1_000_000).replace(
        "stellen:", "stelle:").encode()
    files["gross-schluessel.yaml"] = (SAMPLE + "x" * 100_000 + ": 1\n").encode()
    files["zu-gross.yaml"] = b"# " + b"x" * (5 * 1024 * 1024 + 10)
    for name, ((old, new), _) in HOSTILE_CASES.items():
        files[f"feind-{name}"] = SAMPLE.replace(old, new, 1).encode()
    for form in ("025000", "0x2710", "0b1010", "2:46:40", "1_000", "0o17", ".inf", "-.nan", "1e999999999"):
        files[f"zahl-{form.replace(':', '-').replace('.', 'p')}.yaml"] = \
            SAMPLE.replace("massnahmen: 30000", f"massnahmen: {form}").encode()
    for tag in ("!!python/object:os.system", "!!set", "!!omap", "!!binary", "!!float", "!!null", "!!str", "!x"):
        files[f"tag-{tag.strip('!').replace('/', '-').replace(':', '-')}.yaml"] = \
            SAMPLE.replace("ki_betrieb: true", f"ki_betrieb: {tag} ab").encode()
    files["bombe-merge.yaml"] = (BOMB + "z:\n  <<: {a: *i}\n").encode()
    files["merge-selbst.yaml"] = b"a: &a\n  <<: *a\n"
    files["tief.json"] = ('{"a": ' + DEEP + "}").encode()
    files["tief-objekt.json"] = ('{"a":' * 50_000 + "1" + "}" * 50_000).encode()
    files["doppelt.json"] = json.dumps(SAMPLE_DATA, default=str)[:-1].encode() + b', "stellen": []}'
    files["nan.json"] = b'{"antrag": {"massnahmen": NaN}}'
    files["ziffern.json"] = b'{"antrag": {"massnahmen": ' + b"9" * 5000 + b"}}"
    files["e400.json"] = json.dumps(_replaced(("antrag", "massnahmen"), 1)).replace(
        '"massnahmen": 1', '"massnahmen": 1e400').encode()
    return files


def _get(path: tuple[Any, ...]) -> Any:
    value: Any = SAMPLE_DATA
    for part in path:
        value = value[part]
    return value


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "kim_docs", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream and "interner Fehler" not in stream, (args[:3], stream[-2000:])
    assert proc.returncode in (1, 2), (args[:3], proc.returncode, proc.stderr[-2000:])
    return proc


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feindlich")
    for name, content in corpus().items():
        (folder / name).write_bytes(content)
    return folder


def test_corpus_is_large_enough() -> None:
    assert len(corpus()) >= 200


def test_validate_refuses_every_file_of_the_corpus(hostile: Path) -> None:
    before = _tree(hostile.parent)
    names = sorted(p.name for p in hostile.iterdir())
    proc = _run(["validate", "--json", *names], cwd=hostile)
    assert proc.returncode == 2
    results = json.loads(proc.stdout)
    assert [r["datei"] for r in results] == names
    for result in results:
        refused = "fehler" in result or any(b["schwere"] == "fehler" for b in result["befunde"])
        assert refused, result
        if "fehler" in result:
            assert result["fehler"].startswith(result["datei"]), result
    assert _tree(hostile.parent) == before


def test_calc_on_a_sample(hostile: Path) -> None:
    names = sorted(p.name for p in hostile.iterdir())[::12]
    assert len(names) >= 15
    for name in names:
        _run(["calc", name], cwd=hostile)


def test_render_and_batch_on_a_sample(hostile: Path, tmp_path: Path) -> None:
    names = sorted(p.name for p in hostile.iterdir() if p.suffix in (".yaml", ".json"))[::10]
    work = tmp_path / "arbeit"
    work.mkdir()
    good = work / "gut.yaml"
    good.write_text(SAMPLE, encoding="utf-8")
    for name in names:
        (work / name).write_bytes((hostile / name).read_bytes())
    before = _tree(tmp_path)
    out = tmp_path / "out"
    proc = _run(["render", "alle", *map(str, sorted(work.iterdir())), "-o", str(out), "--format", "docx"], cwd=work)
    assert proc.returncode == 2
    batch_out = tmp_path / "stapel"
    _run(["batch", "run", str(work), "-o", str(batch_out), "--format", "docx"], cwd=work)
    outside = [p for p in _tree(tmp_path) if not p.startswith(("out", "stapel"))]
    assert outside == [p for p in before if not p.startswith(("out", "stapel"))]
    assert any(p.suffix == ".docx" for p in out.rglob("*"))  # the good case still got its documents
    leftovers = [p for p in _tree(out) + _tree(batch_out) if any(part.startswith(".") for part in p.split("/"))]
    assert leftovers == []  # no staging folder, no half-written file
