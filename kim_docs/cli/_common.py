"""What the command groups share: German commands, error handling, interrupts, options.

Every command is a `KimCommand` and every group a `KimGroup` (German metavars, help
summaries that survive "z. B."); the root group (and `pdf`, which also runs on its own)
is an `ErrorHandlingGroup`: library errors become German messages and exit codes, never
a traceback, and Ctrl-C or `kill` stop the command cleanly with exit status 130.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from ._german import short_help_safe, unmask

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ("docx", "pdf")
INTERRUPTED = 130  # like a shell: 128 + SIGINT; for SIGTERM too (docs/batch.md)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """click.echo with control characters shown escaped: names and messages come from the input."""
    from ..text import printable

    click.echo(printable(str(message)), err=err, nl=nl)


def fail(message: str, code: int = 2) -> NoReturn:
    echo(f"Fehler: {message}", err=True)
    sys.exit(code)


# --------------------------------------------------------------------------- commands and groups


class KimCommand(click.Command):
    """A command with German help: "[OPTIONEN]" and summaries not cut at "z. B."."""

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        super().__init__(name, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        text = self.help
        if self.short_help or not text:
            return super().get_short_help_str(limit)
        self.help = short_help_safe(text)  # click shortens self.help; see _german
        try:
            return unmask(super().get_short_help_str(limit))
        finally:
            self.help = text


class KimGroup(KimCommand, click.Group):
    """A group whose commands and subgroups are German as well."""

    command_class = KimCommand
    group_class = type  # subgroups: the class of their parent

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "BEFEHL [ARGUMENTE]...")
        super().__init__(name, **kwargs)


class ErrorHandlingGroup(KimGroup):
    """Turns every error of the library into a German message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import KimDocsError

        with interrupts_unwind():  # around the messages too: a second Ctrl-C cannot cut them off
            try:
                return super().invoke(ctx)
            except KimDocsError as exc:
                fail(str(exc), exc.exit_code)
            except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
                raise
            except KeyboardInterrupt:
                fail("abgebrochen", INTERRUPTED)
            except Exception as exc:
                fail(f"interner Fehler ({type(exc).__name__}: {exc}); bitte melden", 2)


# --------------------------------------------------------------------------- Ctrl-C and kill

@contextlib.contextmanager
def interrupts_unwind() -> Iterator[None]:
    """Ctrl-C (SIGINT) and `kill` (SIGTERM) raise KeyboardInterrupt, which unwinds the
    command: LibreOffice started for it is killed, staging folders and profiles are
    removed, batch workers are stopped. The handlers before are restored afterwards,
    unless a signal came: then the command is ending, and a further Ctrl-C must not hit
    Python's own handler between the cleanup and the exit (that would end the process by
    SIGINT instead of with status 130).

    Only the main thread receives signals; elsewhere this does nothing."""
    import signal  # here, not at the top: `kim-docs --help` imports as little as it can
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in before:
        signal.signal(signum, _interrupt)
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    except SystemExit as exc:
        interrupted = exc.code == INTERRUPTED
        raise
    finally:
        if not interrupted:
            for signum, handler in before.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _interrupt(signum: int, frame: Any) -> None:
    # The first signal unwinds. A second one (Ctrl-C pressed twice, or a SIGTERM after
    # Ctrl-C) would break off that cleanup half done and leave LibreOffice or a staging
    # folder behind, so from now on both are ignored; `interrupts_unwind` restores them.
    import signal

    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    raise KeyboardInterrupt


# --------------------------------------------------------------------------- shared options


def rules_dirs_of(ctx: click.Context) -> tuple[Path, ...]:
    """The folders of the root option --rules-dir."""
    return tuple((ctx.find_root().obj or {}).get("rules_dirs", ()))


def comma_list(value: str, allowed: tuple[str, ...], what: str, unknown: str = "unbekannt:") -> tuple[str, ...]:
    """'docx, PDF' → ('docx', 'pdf'): lower case, without repeats, each one of `allowed`."""
    items = tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    wrong = [v for v in items if v not in allowed]
    if wrong or not items:
        raise click.BadParameter(f"{unknown} {', '.join(wrong) or '(leer)'}; erlaubt: {', '.join(allowed)}",
                                 param_hint=what)
    return items


_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def out_dir_option() -> _Decorator:
    return click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                        metavar="ORDNER", help="Ausgabeordner (wird angelegt).")


def formats_option() -> _Decorator:
    return click.option("--format", "fmt", default="docx,pdf", show_default=True, metavar="FORMATE",
                        help="docx, pdf oder beides, durch Komma getrennt.")


TEMPLATES_DIR_HELP = ("Eigene Vorlagen, die die mitgelieferten gleichen Namens ersetzen (auch Umgebungsvariable "
                      "KIM_DOCS_TEMPLATES_DIR).")


def templates_dir_option(help: str = TEMPLATES_DIR_HELP) -> _Decorator:
    return click.option("--templates-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
                        metavar="ORDNER", help=help)


def json_option(help: str = "Ergebnis als JSON ausgeben.") -> _Decorator:
    return click.option("--json", "as_json", is_flag=True, help=help)
