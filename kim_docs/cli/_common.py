"""What every command group shares: library errors become German messages and exit codes."""
from __future__ import annotations

import sys
from typing import Any

import click


def fail(message: str, code: int = 2) -> None:
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(code)


class ErrorHandlingGroup(click.Group):
    """Turns every error of the library into a German message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import KimDocsError

        _term_as_interrupt()
        try:
            return super().invoke(ctx)
        except KimDocsError as exc:
            fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            fail("abgebrochen", 130)
        except Exception as exc:
            fail(f"interner Fehler ({type(exc).__name__}: {exc}); bitte melden", 2)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _term_as_interrupt() -> None:
    """`kill` (SIGTERM) stops every command like Ctrl-C does: the exception unwinds, so
    LibreOffice started for the command is killed and staging folders are removed."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
