"""Every variable a template uses, resolved to the catalogue of the context: unknown names,
loops over what is not a list, groups printed as if they were a value, unknown filters.

The walk keeps a scope: a loop variable stands for an entry of its list (`s` in
`{% for s in stellen %}` is `stellen[]`), so `s.nr` is checked as `stellen[].nr`.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...findings import Befund
from ...variables import CATALOGUE, FILTERS
from ..report import finding

#: Names in scope → the catalogue name they stand for (None: a name of the template's own).
Scope = dict[str, str | None]
#: (line number in the part's XML, the expression as written) → where, as a location text.
Locate = Callable[[int | None, str], str]


def _names() -> tuple[dict[str, str], set[str]]:
    """Catalogue names → typ, and the groups (prefixes such as 'antragsteller.anschrift', 'stellen[]')."""
    types = {v.name: v.typ for v in CATALOGUE}
    lists = [n for n, t in types.items() if t == "Liste"]
    # an entry of a list of plain texts (dokument.befunde) is a value of its own
    types.update({f"{n}[]": "Text" for n in lists if not any(m.startswith(f"{n}[].") for m in types)})
    groups = set()
    for name in types:
        for match in re.finditer(r"\.|\[\]", name):
            groups.add(name[:match.end()] if match.group() == "[]" else name[:match.start()])
    return types, groups - set(types)


@dataclass
class Usage:
    """What a template part prints and loops over, by catalogue name."""

    printed: set[str] = field(default_factory=set)
    loops: set[str] = field(default_factory=set)


class Analyser:
    """Walks the Jinja syntax tree of one XML part and resolves every variable to a catalogue name."""

    def __init__(self, para_of: Locate, env: Any) -> None:
        self.types, self.groups = _names()
        self.env = env
        self.para_of = para_of  # (lineno, written expression) → location text
        self.findings: list[Befund] = []
        self.usage = Usage()

    def walk(self, node: Any, scope: Scope, printed: bool = False) -> None:
        """Check `node` and all below it. `printed`: inside {{ … }}, where a group is not a value."""
        from jinja2 import nodes

        if isinstance(node, (nodes.For, nodes.Assign, nodes.Macro, nodes.CallBlock, nodes.Output)):
            self._statement(node, scope)
            return
        if isinstance(node, (nodes.Filter, nodes.Test)):
            self._filter_or_test(node)
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            self._expr(node.node.node, scope, printed, method=True)  # x.items(): a method, not a variable
            for child in list(node.args) + list(node.kwargs):
                self.walk(child, scope, printed)
        elif isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self._expr(node, scope, printed)
        else:
            for child in node.iter_child_nodes():
                self.walk(child, scope, printed)

    def _statement(self, node: Any, scope: Scope) -> None:
        """The nodes that print, or that bring names of their own into scope."""
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            self._for(node, scope)
        elif isinstance(node, nodes.Assign):
            self.walk(node.node, scope)
            scope.update({n.name: None for n in node.target.find_all(nodes.Name)})
        elif isinstance(node, nodes.Output):
            for child in node.nodes:
                self.walk(child, scope, printed=True)
        else:  # a macro or call block: its arguments are its own names
            inner = {**scope, **{a.name: None for a in node.args}}
            for child in node.body:
                self.walk(child, inner)

    def _filter_or_test(self, node: Any) -> None:
        from jinja2 import nodes

        known = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
        if node.name not in known:
            what = "Filter" if isinstance(node, nodes.Filter) else "Test"
            self.findings.append(finding("filter", f"unbekannter {what} „{node.name}“; erlaubt sind "
                                                   f"{', '.join(sorted(FILTERS))} und die Jinja-Filter "
                                                   "(siehe kim-docs templates variables)",
                                         self.para_of(node.lineno, node.name)))

    def _for(self, node: Any, scope: Scope) -> None:
        from jinja2 import nodes

        base = node.iter.node if isinstance(node.iter, nodes.Filter) else node.iter
        name = self._expr(base, scope, loop=True)
        if isinstance(node.iter, nodes.Filter):
            self.walk(node.iter, scope)
            keeps_items = node.iter.name in ("selectattr", "rejectattr", "sort", "reverse", "list", "unique")
            name = name if keeps_items else None
        inner = dict(scope, loop="loop")
        targets = list(node.target.find_all(nodes.Name)) if not isinstance(node.target, nodes.Name) else [node.target]
        for target in targets:
            inner[target.name] = f"{name}[]" if name and isinstance(node.target, nodes.Name) else None
        for child in ([node.test] if node.test else []) + node.body:
            self.walk(child, inner)
        for child in node.else_:
            self.walk(child, scope)

    def _expr(self, node: Any, scope: Scope, printed: bool = False, loop: bool = False,
              method: bool = False) -> str | None:
        """Check a variable chain; returns its catalogue name (None: not a catalogue variable)."""
        chain = _chain_of(node)
        if chain is None:
            for child in node.iter_child_nodes():
                self.walk(child, scope, printed)
            return None
        base, attrs, dynamic = chain
        for child in dynamic:
            self.walk(child, scope)
        written = ".".join([base.name] + [a for a in attrs if a != "[]"])
        if base.name in scope:
            prefix = scope[base.name]
            if prefix is None or prefix == "loop":
                return None
        elif base.name in self.env.globals:
            return None
        else:
            prefix = base.name
        full = prefix + "".join(a if a == "[]" else f".{a}" for a in attrs)
        if method and full in self.types:
            return full
        alias = (prefix, base.name) if prefix != base.name else None
        return self._check(full, written, node.lineno, printed, loop, alias)

    def _check(self, full: str, written: str, lineno: int, printed: bool, loop: bool,
               alias: tuple[str, str] | None = None) -> str | None:
        where = self.para_of(lineno, written)
        shown = written if written == full else f"{written} (= {full})"
        typ = self.types.get(full)
        if typ is None and full not in self.groups:
            self.findings.append(finding("variable", self._unknown(full, shown, alias), where))
            return None
        if loop:
            self.usage.loops.add(full)
            if typ != "Liste":
                what = f"Typ {typ}" if typ else "eine Gruppe von Angaben"
                self.findings.append(finding("schleife", f"Schleife über „{shown}“, das ist keine Liste ({what}); "
                                                         "Schleifen gehen nur über Variablen vom Typ Liste.", where))
                return None  # its loop variable is then unknown, not wrong a second time
            return full
        if printed:
            self.usage.printed.add(full)
            if typ is None:
                example = next(n for n in self.types if n.startswith(full))
                self.findings.append(finding("variable", f"„{shown}“ ist eine Gruppe von Angaben, kein einzelner "
                                                         f"Wert; gemeint ist z. B. {example}", where))
        return full

    def _unknown(self, full: str, shown: str, alias: tuple[str, str] | None) -> str:
        message = f"unbekannte Variable „{shown}“: der Kontext stellt sie nicht bereit"
        lists = [n for n, t in self.types.items() if t == "Liste" and full.startswith(n + ".")]
        if lists:
            item = full[len(lists[0]) + 1:]
            return (f"{message}; „{lists[0]}“ ist eine Liste, ihre Einträge gibt es nur in einer Schleife, z. B. "
                    f"{{%p for x in {lists[0]} %}} … {{{{ x.{item} }}}} … {{%p endfor %}}")
        close = difflib.get_close_matches(full, list(self.types), n=1, cutoff=0.75)
        if not close:
            return message + " (siehe kim-docs templates variables)"
        guess = close[0]
        if alias and guess.startswith(alias[0] + "."):  # in the loop variable's spelling: s.nr, not stellen[].nr
            guess = alias[1] + guess[len(alias[0]):]
        return f"{message}; meinten Sie „{guess}“?"


def _chain_of(node: Any) -> tuple[Any, list[str], list[Any]] | None:
    """(Name, ['anschrift', 'ort'], dynamic index nodes) for antragsteller.anschrift.ort; None if no chain."""
    from jinja2 import nodes

    attrs: list[str] = []
    dynamic: list[Any] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attrs.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                attrs.append(arg.value)
            else:
                attrs.append("[]")  # stellen[0], stellen[i]: an item of the list
                dynamic.append(arg)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node, attrs[::-1], dynamic
        else:
            return None
