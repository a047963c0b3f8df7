"""`kim-docs batch verify`: is every file of an output folder still what its manifest says?"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .lock import LOCK_NAME
from .reports import ZIP_NAME


@dataclass
class Pruefung:
    """The result of `verify`: files changed, missing or not in the manifest."""

    geprueft: int = 0
    veraendert: list[str] = field(default_factory=list)
    fehlend: list[str] = field(default_factory=list)
    zusaetzlich: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.veraendert or self.fehlend or self.zusaetzlich)


def verify(out_dir: Path) -> Pruefung:
    """Re-hash every file of the manifest; list what changed, is missing or is extra."""
    from ..manifest import NAME as MANIFEST
    from ..manifest import file_matches, read_manifest

    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).is_file():
        raise InputError("Kein manifest.json in diesem Ordner", datei=str(out_dir))
    manifest = read_manifest(out_dir)
    result = Pruefung(geprueft=len(manifest))
    for name, entry in sorted(manifest.items()):
        path = out_dir / name
        if not path.is_file():
            result.fehlend.append(name)
        elif not file_matches(path, entry):
            result.veraendert.append(name)
    ignored = {MANIFEST, ZIP_NAME, LOCK_NAME}
    for path in sorted(_files(out_dir)):
        name = path.relative_to(out_dir).as_posix()
        if name not in manifest and name not in ignored:
            result.zusaetzlich.append(name)
    return result


def _files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path
