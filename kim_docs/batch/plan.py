"""Planning each good case: its files, whether they are unchanged since the last run
(then the case is skipped: resume after a kill), and which existing files it may replace."""
from __future__ import annotations

import hashlib
import json
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
    dateien: list[tuple[str, str, str]]            # (art, format, file name)
    bekannt: dict[str, str] = field(default_factory=dict)  # file -> sha256 in the manifest


@dataclass
class Kontext:
    """What every plan is compared with: the output folder, its manifest, today's inputs."""

    out_dir: Path
    options: BatchOptions
    manifest: dict[str, dict[str, Any]]
    vorlagen: dict[str, str]       # art -> sha256 of the template used
    regelwerke: dict[str, str]     # rule-set id -> sha256 of its content


def make_context(out_dir: Path, options: BatchOptions, rule_sets: dict[str, Any]) -> Kontext:
    from ..manifest import read_manifest

    return Kontext(out_dir, options, read_manifest(out_dir), _template_hashes(options),
                   {rid: _rule_set_hash(rs) for rid, rs in rule_sets.items()})


def plan_cases(faelle: list[Fallbericht], ctx: Kontext, tell: Callable[[Fallbericht], None]) -> list[Plan]:
    """The plans of the cases still to make; every other case is decided here and told."""
    plans: list[Plan] = []
    taken: dict[str, str] = {}   # file name -> the case that makes it
    for f in faelle:
        if f.status == Status.FEHLERHAFT:
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
    return plans


def _plan(bericht: Fallbericht, ctx: Kontext, taken: dict[str, str]) -> Plan | None:
    """The case's plan; None when its files are unchanged (status then 'unverändert')."""
    from ..render import DOKUMENT_ARTEN, available, file_name

    ergebnis = bericht.ergebnis
    assert ergebnis is not None  # checked: only cases without Fehler (or drafts) get here
    arten = ctx.options.arten
    if arten == (ALLE,):
        arten = tuple(a for a in DOKUMENT_ARTEN if available(ergebnis, a))
    dateien = [(art, fmt, file_name(ergebnis, art, fmt)) for art in arten for fmt in ctx.options.formats]
    for _, _, name in dateien:
        other = taken.setdefault(name, bericht.fall_id)
        if other != bericht.fall_id:
            raise RenderError(f"Datei {name} gehört schon zu Fall {other} (gleicher Empfänger und Jahr?)")
    plan = Plan(bericht, arten, dateien, {n: ctx.manifest[n]["sha256"] for _, _, n in dateien
                                          if n in ctx.manifest})
    if dateien and all(_unchanged(bericht, art, name, ctx) for art, _, name in dateien):
        bericht.dateien = [name for _, _, name in dateien]
        return None
    return plan


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
