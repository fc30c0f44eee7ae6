"""The ``amalgam-rel`` Typer application and how it reports a bad input: one line on stderr.

Every command catches :class:`~amalgam_rel.errors.AmalgamError` and prints it as one line on
stderr with a non-zero exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import os
import sys

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click.exceptions import NoArgsIsHelpError, UsageError
from rich.console import Console
from rich.markup import escape

from amalgam_rel.errors import AmalgamError

# transformers warns about settings of our own compact model that are deliberate (padding
# without attention masks, a default loss); users who want them can set the variable.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

# Piped output would otherwise be wrapped at 80 columns, which folds table and column names.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 400)


class _OneLineUsage(TyperGroup):
    """Usage errors (an unknown option, a value out of an option's range or of the wrong type) as
    the one line every other bad input gets, not click's boxed usage block."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as err:  # bare `amalgam-rel`: the help is the answer
            err.show()
            sys.exit(err.exit_code)
        except UsageError as err:
            where = f" (see {err.ctx.command_path} --help)" if err.ctx is not None else ""
            err_console.print(f"[bold red]error:[/] {escape(err.format_message())}{escape(where)}",
                              highlight=False, soft_wrap=True)
            sys.exit(err.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    name="amalgam-rel",
    cls=_OneLineUsage,
    help="Clone a relational DuckDB database as synthetic data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def user_errors(command):
    """Turn an AmalgamError into one line on stderr and exit code 2; an interruption (Ctrl-C or
    SIGTERM, after the temporary outputs are removed) into one line and exit code 130 or 143."""
    from amalgam_rel.cli.interrupts import exit_code, interrupted_line, terminate_as_interrupt

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with terminate_as_interrupt():
                return command(*args, **kwargs)
        except AmalgamError as err:
            err_console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt as interrupt:
            line = interrupted_line([kwargs.get("output"), kwargs.get("report")])
            err_console.print(line, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(exit_code(interrupt)) from None

    return wrapper

