"""The ``losscli`` command: Typer commands assembled here, and the one place where errors
become an ``Error: ...`` line on stderr and an exit code (README.md, "Exit codes")."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from losscli._version import __version__
from losscli.cli import _encoding, compare, describe, eval as eval_cmd, gate, inspect, list_losses, merge
from losscli.cli._app import App
from losscli.cli._config import install_envvars
from losscli.cli._options import protect_stdin
from losscli.cli._usage import explain
from losscli.errors import LossCliError

EXIT_CODES_HELP = (
    "Exit codes: 0 evaluated (gates passed), 1 a gate failed, 2 usage error, 3 could not evaluate "
    "(bad or missing input), 4 internal error (a bug), 130 interrupted, 143 terminated, 129 hung up."
)


class _Group(TyperGroup):
    """Runs the commands with every error mapped to one stderr line and an exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        verbose, argv = _global_flags(list(sys.argv[1:] if args is None else args))
        extra.pop("standalone_mode", None)
        from losscli._atomic import Transaction
        from losscli.cli import _trace

        on_term = _terminate_as_exception()
        _encoding.install()  # stdout/stderr that cannot encode ↓: ASCII look-alikes, never a crash
        code, message = None, None
        _trace.clear()
        try:
            with Transaction() as outputs:  # every output file: renamed on success, removed otherwise
                try:
                    install_envvars(self)  # LOSSCLI_* for the configurable options (losscli.config.KEYS)
                    rv = super().main(args=protect_stdin(argv), prog_name=prog_name or "losscli", standalone_mode=False, **extra)
                    code = rv if isinstance(rv, int) else 0
                    if code in (0, 1):  # evaluated (1: a gate failed, which the report says)
                        outputs.commit()
                except SystemExit as e:
                    if not isinstance(e.__context__, BrokenPipeError):
                        raise
                    code = _quiet_pipe()  # click turns a closed stdout into exit 1; a closed pipe is no failure
                except BrokenPipeError:
                    code = _quiet_pipe()
                except KeyboardInterrupt:
                    code = 130
                except _Terminated as e:
                    code = e.code  # 128 + the signal, as a shell reports it
                except Exception as e:  # noqa: BLE001 - the one place that turns any failure into an exit code
                    code, message = _failure(e, argv, verbose)
            if message is not None:  # outputs removed; what the run stopped on is left instead
                code = _leave_trace(code, message)
        finally:
            on_term()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            code = _quiet_pipe()
        sys.exit(code)


def _global_flags(argv: list[str]) -> tuple[bool, list[str]]:
    """-v/--verbose is global: accepted anywhere on the line (before ``--``), handled here;
    (whether it was given, the line without it)."""
    end = argv.index("--") if "--" in argv else len(argv)
    verbose = any(a in ("-v", "--verbose") for a in argv[:end])
    return verbose, [a for i, a in enumerate(argv) if i >= end or a not in ("-v", "--verbose")]


def _failure(e: Exception, argv: list[str], verbose: bool) -> tuple[int, str | None]:
    """The exit code of an exception a command raised and its ``Error:`` line's message (None:
    no Error line). Called in the ``except`` clause: ``-v`` prints the traceback of a bug."""
    if isinstance(e, LossCliError):
        return _error(str(e), e.exit_code)
    if type(e).__name__ == "NoArgsIsHelpError":  # the help is the message; typer's rich help printed it
        if e.format_message():
            print(e.format_message())
        return 2, None
    if hasattr(e, "format_message") and hasattr(e, "exit_code"):  # click usage errors
        return _error(explain(e.format_message(), argv), 2 if e.exit_code == 2 else e.exit_code)
    if verbose:
        traceback.print_exc()
    return _error(f"internal error: {type(e).__name__}: {e}. Please report it (run with -v for the traceback).", 4)


def _leave_trace(code: int, message: str) -> int:
    """Leave what the run stopped on (``_trace.leave``); the exit code (a signal meanwhile wins)."""
    from losscli.cli import _trace

    try:
        _trace.leave(code, message)
    except KeyboardInterrupt:
        return 130
    except _Terminated as e:
        return e.code
    except Exception:  # noqa: BLE001, S110 - the Error: line is out; a trace that cannot be left is no new error
        pass
    return code


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the process is, so that temporary files are removed on
    the way out; ``code`` is the exit code, 128 + the signal number."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _terminate_as_exception():
    """Turn SIGTERM and SIGHUP into ``_Terminated`` while a command runs (an ignored SIGHUP, as
    under ``nohup``, stays ignored); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def raise_terminated(signum, frame):
        raise _Terminated(128 + signum)

    old = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            old[sig] = signal.signal(sig, raise_terminated)

    def undo() -> None:
        for sig, handler in old.items():
            signal.signal(sig, handler)

    return undo


def _error(message: str, code: int) -> tuple[int, str]:
    """Print the one ``Error:`` line; (the exit code, the line's message)."""
    message = _one_line(message)
    print(f"Error: {message}", file=sys.stderr)
    return code, message


def _one_line(text: str) -> str:
    """Line breaks and control characters escaped (from a file name, a flag value, a column
    name) so that an error is always one line, carries no terminal escape sequence and is no
    GitHub workflow command (``losscli.render.escape.line``)."""
    from losscli.render.escape import line

    return line(text.strip())


def _quiet_pipe() -> int:
    """stdout was closed early (``| head``): stop quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


app = App(  # a typer.Typer that builds only the command it runs (losscli.cli._app)
    cls=_Group,
    name="losscli",
    help="Score saved model predictions with reference-exact losses.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"losscli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show a traceback on internal errors.")] = False,
) -> None:
    """Score saved model predictions with reference-exact losses."""


app.add_typer(eval_cmd.app)
app.add_typer(list_losses.app)
app.add_typer(describe.app)
app.add_typer(inspect.app)
app.add_typer(gate.app)
app.add_typer(compare.app)
app.add_typer(merge.app)
