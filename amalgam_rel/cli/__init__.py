"""The ``amalgam-rel`` command line: a thin shell over the public API (:mod:`amalgam_rel.api`).

:mod:`.shell` holds the Typer application and its one-line errors, :mod:`.options` the options
the commands share, :mod:`.printing` what they print, :mod:`.commands` the commands themselves;
:mod:`.interrupts` turns Ctrl-C and SIGTERM into a line saying what was and was not written.
"""

from amalgam_rel.cli.commands import app, main

__all__ = ["app", "main"]
