"""manifest.json: what was made, from what, with which hash, so documents can be trusted.

One entry per output file: path (relative to the folder), size, SHA-256, the case, the
recipient, the Aktenzeichen, the rule set, a hash of the case data and of the template,
and the kim-docs version. No timestamps: the same inputs give the same manifest.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .files import json_bytes, sha256_file, write_atomic
from .render import Dokument
from .templating import SHIPPED_TEMPLATES

NAME = "manifest.json"


def case_hash(fall: Any) -> str:
    """SHA-256 of the case data in a canonical form (independent of YAML/JSON layout)."""
    canonical = json.dumps(fall.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def template_label(path: Path) -> str:
    """'templates/bescheid.docx' for a shipped template, the full path for a user's own."""
    try:
        return f"templates/{path.resolve().relative_to(SHIPPED_TEMPLATES)}"
    except ValueError:
        return str(path.resolve())


def entries_for(dokument: Dokument, out_dir: Path, ergebnis: Any, fall_id: str) -> list[dict[str, Any]]:
    fall = ergebnis.fall
    base = {
        "fall": fall_id,
        "dokument": dokument.art,
        "empfaenger": fall.antragsteller.name,
        "aktenzeichen": (fall.bescheid.aktenzeichen or "") if fall.bescheid else "",
        "regelwerk": ergebnis.regelwerk.id,
        "fall_sha256": case_hash(fall),
        "vorlage": template_label(dokument.vorlage),
        "vorlage_sha256": dokument.vorlage_sha256,
        "entwurf": bool(dokument.context.get("dokument", {}).get("entwurf")),
        "kim_docs": __version__,
    }
    return [{"datei": path.relative_to(out_dir).as_posix(), "groesse": path.stat().st_size,
             "sha256": sha256_file(path), **base} for path in dokument.dateien if path.exists()]


def file_matches(path: Path, entry: dict[str, Any]) -> bool:
    """Whether the file still has the size and SHA-256 its manifest entry recorded."""
    try:
        if path.stat().st_size != entry.get("groesse"):
            return False
    except OSError:
        return False
    return sha256_file(path) == entry.get("sha256")




def read_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The entries of an existing manifest, by file; {} when there is none.

    Every path must lie inside `out_dir` (also after following symbolic links): a
    tampered entry like '/etc/hostname' or '../x' would otherwise be read by verify,
    packed into the zip or moved into the folder."""
    from .load import read_bytes_limited

    path = out_dir / NAME
    if not path.exists() and not path.is_symlink():
        return {}
    raw = read_bytes_limited(path, MAX_MANIFEST_BYTES)
    try:
        data = json.loads(raw.decode("utf-8"))
        entries = {entry["datei"]: entry for entry in data["dateien"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"Manifest ist beschädigt ({exc})", datei=str(path)) from None
    for name in entries:
        check_inside(out_dir, name, str(path))
    return entries


MAX_MANIFEST_BYTES = 200 * 1024 * 1024


def check_inside(out_dir: Path, name: Any, datei: str) -> Path:
    """`out_dir / name` when that is a relative path inside `out_dir` (symbolic links
    followed); otherwise an InputError naming the entry."""
    text = name if isinstance(name, str) else repr(name)
    problem = None
    if not isinstance(name, str) or not name or "\x00" in name or "\\" in name:
        problem = "ist kein gültiger Dateiname"
    elif name.startswith("/") or ".." in name.split("/") or (len(name) > 1 and name[1] == ":"):
        problem = "liegt außerhalb des Ausgabeordners"
    else:
        target = out_dir / name
        try:
            target.resolve().relative_to(out_dir.resolve())
        except ValueError:
            problem = "liegt außerhalb des Ausgabeordners (symbolischer Link)"
        except OSError as exc:
            problem = f"kann nicht geprüft werden ({exc.strerror})"
    if problem:
        raise InputError(f"Manifest-Eintrag '{text}' {problem}; das Manifest wurde verändert und wird nicht "
                         "verwendet", datei=datei)
    return out_dir / name


def write_manifest(out_dir: Path, entries: list[dict[str, Any]], *, merge: bool = True) -> Path:
    """Write (or update) the manifest; entries of files rewritten now replace the old ones."""
    known = read_manifest(out_dir) if merge else {}
    known.update({entry["datei"]: entry for entry in entries})
    data = {"kim_docs": __version__, "dateien": [known[name] for name in sorted(known)]}
    path = out_dir / NAME
    write_atomic(path, json_bytes(data))
    return path
