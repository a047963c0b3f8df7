"""The wording diff: two template versions paragraph by paragraph, or two rule sets clause by clause,
then word by word (shown wdiff-style in the terminal, side by side in HTML).
"""
from __future__ import annotations

import difflib
import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .docx import read_docx


@dataclass(frozen=True)
class Change:
    """One changed paragraph or clause block; `ops`: (op, old words, new words), op in gleich/ersetzt/entfernt/neu."""

    art: str  # geaendert, neu, entfernt
    ort: str
    alt: str
    neu: str
    ops: tuple[tuple[str, str, str], ...] = ()

    def changed_words(self) -> list[tuple[str, str, str]]:
        return [op for op in self.ops if op[0] != "gleich"]


def word_ops(old: str, new: str) -> tuple[tuple[str, str, str], ...]:
    a, b = old.split(), new.split()
    names = {"equal": "gleich", "replace": "ersetzt", "delete": "entfernt", "insert": "neu"}
    return tuple((names[tag], " ".join(a[i1:i2]), " ".join(b[j1:j2]))
                 for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


def inline(ops: Iterable[tuple[str, str, str]]) -> str:
    """'Die Zuwendung wird [-als-]{+im+} Höchstbetrag …' (wdiff style)."""
    parts = []
    for op, old, new in ops:
        if op == "gleich":
            parts.append(old)
        else:
            parts.append((f"[-{old}-]" if old else "") + (f"{{+{new}+}}" if new else ""))
    return " ".join(parts)


def diff_texts(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[Change]:
    """Paragraph by paragraph, then word by word. Items: (location, text)."""
    a, b = [" ".join(t.split()) for _, t in old], [" ".join(t.split()) for _, t in new]
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            changes += _pair(old[i1:i2], new[j1:j2])
    return changes


def _pair(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[Change]:
    """Match changed paragraphs in order by similarity; the rest are new or removed."""
    if len(old) == len(new):  # as many paragraphs before as after: each was reworded in place
        return [Change("geaendert", o, a, b, word_ops(a, b)) for (_, a), (o, b) in zip(old, new)]
    changes, j = [], 0
    for ort, text in old:
        ratios = [difflib.SequenceMatcher(None, text.split(), t.split()).ratio() for _, t in new[j:]]
        best = max(range(len(ratios)), key=ratios.__getitem__) if ratios else None
        if best is None or ratios[best] < 0.5:
            changes.append(Change("entfernt", ort, text, ""))
            continue
        changes += [Change("neu", o, "", t) for o, t in new[j:j + best]]
        o, t = new[j + best]
        changes.append(Change("geaendert", o, text, t, word_ops(text, t)))
        j += best + 1
    return changes + [Change("neu", o, "", t) for o, t in new[j:]]


def template_texts(path: Path) -> list[tuple[str, str]]:
    """('Nr. 12, Tabellenzelle', text) of every non-empty paragraph and table cell, headers first."""
    paragraphs = [p for p in read_docx(path).paragraphs if p.text.strip()]
    return [(f"Nr. {n}, {p.location().split(' „')[0]}", p.text) for n, p in enumerate(paragraphs, 1)]


def diff_templates(old: Path, new: Path) -> list[Change]:
    return diff_texts(template_texts(old), template_texts(new))


def clause_blocks(rule_set: Any) -> list[tuple[str, str]]:
    """(key in the rule-set file, text) of every wording block a document prints."""
    blocks = [("anbest.text", rule_set.anbest.text), ("auflagen.einleitung", rule_set.auflagen.einleitung),
              ("auflagen.richtlinie", rule_set.auflagen.richtlinie)]
    for a in rule_set.auflagen.liste:  # the imposed wording beside the Richtlinie's sentence it implements
        blocks += [(f"auflagen.liste {a.buchstabe})", a.text), (f"auflagen.liste {a.buchstabe}) richtlinie", a.richtlinie)]
        if a.zusatz:
            blocks.append((f"auflagen.liste {a.buchstabe}) zusatz", a.zusatz.text))
    blocks += [(f"klauseln.{k}", v) for k, v in rule_set.klauseln.model_dump().items()]
    blocks += _bescheid_blocks(rule_set.bescheid.model_dump(), "bescheid")
    blocks += [("weiterleitung.text", rule_set.weiterleitung.text)]
    blocks += [(f"voraussetzungen.{k}", v.text) for k, v in rule_set.voraussetzungen.items()]
    return [(key, " ".join(text.split())) for key, text in blocks]


def _bescheid_blocks(data: Any, key: str) -> list[tuple[str, str]]:
    """The Bescheid's wording blocks by key, lists numbered from 1: bescheid.hinweise 2."""
    if isinstance(data, str):
        return [(key, data)]
    if isinstance(data, list):
        return [block for i, item in enumerate(data, 1) for block in _bescheid_blocks(item, f"{key} {i}")]
    return [block for k, v in data.items() for block in _bescheid_blocks(v, f"{key}.{k}")]


def diff_rule_sets(old: Any, new: Any) -> list[Change]:
    """Block by block (by key), then word by word."""
    a, b = dict(clause_blocks(old)), dict(clause_blocks(new))
    changes = []
    for key in list(a) + [k for k in b if k not in a]:
        if key not in b:
            changes.append(Change("entfernt", key, a[key], ""))
        elif key not in a:
            changes.append(Change("neu", key, "", b[key]))
        elif a[key] != b[key]:
            changes.append(Change("geaendert", key, a[key], b[key], word_ops(a[key], b[key])))
    return changes


def load_rule_set(spec: str, rules_dirs: tuple[Path, ...] = ()) -> Any:
    """A rule set by id (shipped or --rules-dir) or from a rule-set file."""
    from ..errors import InputError
    from ..load import load_mapping
    from ..rules import load_rule_sets

    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        data, _ = load_mapping(path)
        rid = data.get("id") if isinstance(data, dict) else None
        found = load_rule_sets(tuple(rules_dirs) + (path.parent,))
        if not isinstance(rid, str) or rid not in found:
            raise InputError("ist kein Regelwerk (Schlüssel 'id' fehlt)", datei=str(path))
        return found[rid]
    found = load_rule_sets(tuple(rules_dirs))
    if spec not in found:
        raise InputError(f"Regelwerk '{spec}' unbekannt; bekannt: {', '.join(sorted(found))} "
                         "(oder Pfad zu einer Regelwerk-Datei angeben)")
    return found[spec]


def diff_html(changes: list[Change], old_label: str, new_label: str) -> str:
    """A side-by-side page: old left, new right, changed words marked."""
    rows = []
    for c in changes:
        left = "".join(_html_side(op, old, "del") for op, old, _ in c.ops) if c.ops else html.escape(c.alt)
        right = "".join(_html_side(op, new, "ins") for op, _, new in c.ops) if c.ops else html.escape(c.neu)
        rows.append(f'<tr class="{c.art}"><th>{html.escape(c.ort)}</th><td>{left}</td><td>{right}</td></tr>')
    body = "\n".join(rows) or '<tr><td colspan="3">Keine Änderungen am Wortlaut.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Wortlaut-Vergleich</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}}th{{width:18%;font-weight:normal;
color:#555}}del{{background:#fdd}}ins{{background:#dfd;text-decoration:none}}tr.neu td:last-child{{background:#efe}}
tr.entfernt td:nth-child(2){{background:#fee}}</style></head><body>
<h1>Wortlaut-Vergleich</h1><table><tr><th>Stelle</th><th>alt: {html.escape(old_label)}</th>
<th>neu: {html.escape(new_label)}</th></tr>
{body}
</table></body></html>
"""


def _html_side(op: str, words: str, mark: str) -> str:
    if not words:
        return ""
    text = html.escape(words) + " "
    return text if op == "gleich" else f"<{mark}>{text}</{mark}>"
