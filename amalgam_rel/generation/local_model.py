"""The ``--llm`` check, apart from :mod:`.lm` so that refusing a bad value costs no torch import.

>>> check_local_model("gpt2")
Traceback (most recent call last):
...
amalgam_rel.errors.InputError: --llm 'gpt2': no such local model directory (models are never downloaded; pass a directory saved with save_pretrained)
"""

from __future__ import annotations

from pathlib import Path

from amalgam_rel.errors import InputError


def check_local_model(path: str, what: str = "--llm") -> None:
    """Refuse, in one line, a language model that is not a local directory.

    A hub id (``gpt2``) is never downloaded: offline, transformers spent 54 s on network
    retries before its error, and online a fit would depend on what a hub serves that day.
    """
    if not Path(path).is_dir():
        raise InputError(f"{what} {path!r}: no such local model directory (models are never downloaded; "
                         "pass a directory saved with save_pretrained)")
