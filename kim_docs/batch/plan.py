"""Planning each good case: its files, whether they are unchanged since the last run
(then the case is skipped: resume after a kill), and which existing files it may replace."""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import KimDocsError, RenderError
from ..kinds import ALLE
from .options import BatchOptions
from .results import Fallbericht, Status


@dataclass
class Plan:
    """What one case needs: its files, by (art, format), and the hashes that allow replacing."""

    bericht: Fallbericht
    arten: tuple[str, ...]
    dateien: list[tuple[str, str, str]]            # (art, format, path in the output folder)
    bekannt: dict[str, str] = field(default_factory=dict)  # path -> sha256 in the manifest
    ziele: dict[str, str] = field(default_factory=dict)    # file name as rendered -> path


@dataclass
class Kontext:
    """What every plan is compared with: the output folder, its manifest, today's inputs."""

    out_dir: Path
    options: BatchOptions
    manifest: dict[str, dict[str, Any]]
    vorlagen: dict[str, str]       # art -> sha256 of the template used
    regelwerke: dict[str, str]     # rule-set id -> sha256 of its content
    verschoben: bool = False       # documents of an earlier run were moved (_relocate)


def make_context(out_dir: Path, options: BatchOptions, rule_sets: dict[str, Any]) -> Kontext:
    from ..manifest import read_manifest

    return Kontext(out_dir, options, read_manifest(out_dir), _template_hashes(options),
                   {rid: _rule_set_hash(rs) for rid, rs in rule_sets.items()})


def plan_cases(faelle: list[Fallbericht], ctx: Kontext, tell: Callable[[Fallbericht], None]) -> list[Plan]:
    """The plans of the cases still to make; every other case is decided here and told."""
    plans: list[Plan] = []
    taken: dict[str, str] = {}   # file name -> the case that makes it
    for f in faelle:
        if f.status in (Status.FEHLERHAFT, Status.AUSGELASSEN):
            tell(f)
            continue
        try:
            plan = _plan(f, ctx, taken)
        except KimDocsError as exc:
            f.status, f.meldung = Status.FEHLGESCHLAGEN, str(exc)
            tell(f)
            continue
        if plan is None:
            f.status = Status.UNVERAENDERT
            tell(f)
        else:
            plans.append(plan)
    if ctx.verschoben:  # at once: the files are where the manifest now says
        from ..manifest import write_manifest

        write_manifest(ctx.out_dir, list(ctx.manifest.values()), merge=False)
    return plans


DOKUMENTE = "dokumente"   # documents go to dokumente/<Fall-ID>_<Empfänger>/; reports stay on top


def document_path(bericht: Fallbericht, rendered: str) -> str:
    """Where a document of the case lies in the output folder: its own folder per case, the
    file name with the Aktenzeichen, e.g. ``dokumente/KIM25-001_Kreis-Borken/
    2025_Kreis-Borken_Zuwendungsbescheid_36-07-01-KIM-2025-014.pdf``."""
    from ..render import safe_name

    stem, _, suffix = rendered.rpartition(".")
    if bericht.aktenzeichen:
        stem += f"_{safe_name(bericht.aktenzeichen)}"
    folder = safe_name(bericht.fall_id) + (f"_{safe_name(bericht.empfaenger)}" if bericht.empfaenger else "")
    return f"{DOKUMENTE}/{folder}/{stem}.{suffix}"


def _plan(bericht: Fallbericht, ctx: Kontext, taken: dict[str, str]) -> Plan | None:
    """The case's plan; None when its files are unchanged (status then 'unverändert')."""
    from ..render import DOKUMENT_ARTEN, available, file_name

    ergebnis = bericht.ergebnis
    assert ergebnis is not None  # checked: only cases without Fehler (or drafts) get here
    arten = ctx.options.arten
    if arten == (ALLE,):
        arten = tuple(a for a in DOKUMENT_ARTEN if available(ergebnis, a))
    rendered = [(art, fmt, file_name(ergebnis, art, fmt)) for art in arten for fmt in ctx.options.formats]
    for _, _, name in rendered:
        other = taken.setdefault(name, bericht.fall_id)
        if other != bericht.fall_id:
            raise RenderError(f"Datei {name} gehört schon zu Fall {other} (gleicher Empfänger und Jahr?)")
    ziele = {name: document_path(bericht, name) for _, _, name in rendered}
    dateien = [(art, fmt, ziele[name]) for art, fmt, name in rendered]
    for art, _, path in dateien:
        _relocate(bericht, art, path, ctx)
    plan = Plan(bericht, arten, dateien, {n: ctx.manifest[n]["sha256"] for _, _, n in dateien
                                          if n in ctx.manifest}, ziele)
    if dateien and all(_unchanged(bericht, art, name, ctx) for art, _, name in dateien):
        bericht.dateien = [name for _, _, name in dateien]
        return None
    return plan


def _relocate(bericht: Fallbericht, art: str, path: str, ctx: Kontext) -> None:
    """A document of this case made by an earlier run under another path (the flat layout
    before dokumente/, another Empfänger name or Aktenzeichen) moves to `path` with its
    manifest entry, so that an unchanged case stays 'unverändert'. Only a file that is
    still what its manifest says is moved; nothing is moved onto an existing file."""
    from ..manifest import file_matches

    if path in ctx.manifest or (ctx.out_dir / path).exists():
        return
    suffix = path.rpartition(".")[2]
    for old, entry in sorted(ctx.manifest.items()):
        if (entry.get("fall") != bericht.fall_id or entry.get("dokument") != art or entry.get("veraltet")
                or old.rpartition(".")[2] != suffix or not file_matches(ctx.out_dir / old, entry)):
            continue
        (ctx.out_dir / path).parent.mkdir(parents=True, exist_ok=True)
        os.replace(ctx.out_dir / old, ctx.out_dir / path)
        del ctx.manifest[old]
        ctx.manifest[path] = {**entry, "datei": path}
        ctx.verschoben = True
        folder = path.rpartition("/")[0]
        if folder + "/" not in bericht.meldung:
            bericht.meldung = (bericht.meldung + "; " if bericht.meldung else "") + \
                f"frühere Dokumente nach {folder}/ verschoben"
        return


def _unchanged(bericht: Fallbericht, art: str, name: str, ctx: Kontext) -> bool:
    """The manifest has the same inputs for this file, and the file is what it recorded."""
    from ..manifest import file_matches

    entry = ctx.manifest.get(name)
    if entry is None or bericht.ergebnis is None or bericht.ergebnis.regelwerk is None:
        return False
    regelwerk = bericht.ergebnis.regelwerk
    expected = {"fall": bericht.fall_id, "dokument": art, "fall_sha256": bericht.fall_sha256,
                "vorlage_sha256": ctx.vorlagen.get(art), "kim_docs": __version__,
                "optionen": ctx.options.signature, "regelwerk": regelwerk.id,
                "regelwerk_sha256": ctx.regelwerke.get(regelwerk.id)}
    if any(entry.get(key) != value for key, value in expected.items()):
        return False
    return file_matches(ctx.out_dir / name, entry)


def _template_hashes(options: BatchOptions) -> dict[str, str]:
    from ..render import DOKUMENT_ARTEN
    from ..templating import find_template, load_template

    arten = DOKUMENT_ARTEN if options.arten == (ALLE,) else options.arten
    # compiled here, before the workers are forked, so that they inherit the compiled form
    return {art: load_template(find_template(f"{art}.docx", options.templates_dir)).sha256 for art in arten}


def _rule_set_hash(regelwerk: Any) -> str:
    # the content only: where the file lies (`quelle`) must not make every case "changed"
    data = json.dumps(regelwerk.model_dump(mode="json", exclude={"quelle"}), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
