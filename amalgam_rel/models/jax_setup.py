"""Configure JAX once, before anything imports :mod:`mbi`.

mbi reads JAX's configuration at import time (it warns about float32 and about the persistent
compilation cache), and estimation on large tables needs float64 to converge. So every module of
this package that needs mbi imports it through :func:`import_mbi`, which configures JAX first.

The persistent compilation cache lives in a directory the project controls
(``$AMALGAM_REL_CACHE_DIR/jax``, default ``~/.cache/amalgam-rel/jax``), never in the working
directory. mbi compiles many small programs; only those that take longer than
``_MIN_COMPILE_SECONDS`` to compile are written, which keeps the cache small while still
saving the expensive estimation loops across processes.

>>> mbi = import_mbi()
>>> import jax
>>> bool(jax.config.jax_enable_x64)
True
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

_MIN_COMPILE_SECONDS = 0.5
_configured = False


def cache_dir() -> Path:
    """Where amalgam-rel keeps its caches (``AMALGAM_REL_CACHE_DIR`` overrides the default)."""
    root = os.environ.get("AMALGAM_REL_CACHE_DIR")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "amalgam-rel"


def configure_jax() -> None:
    """Enable float64 and point the compilation cache at :func:`cache_dir` (idempotent)."""
    global _configured
    if _configured:
        return
    # JAX takes 75 % of a GPU's memory at its first array unless told otherwise, which would
    # leave the language model (torch, same GPU) a quarter of it; a user's own setting wins
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax

    jax.config.update("jax_enable_x64", True)
    directory = cache_dir() / "jax"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(directory))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", _MIN_COMPILE_SECONDS)
        jax.config.update("jax_enable_compilation_cache", True)
    except OSError:
        # A read-only home must not stop fitting; we only lose the cross-process cache.
        jax.config.update("jax_enable_compilation_cache", False)
    _configured = True


def import_mbi():
    """Return the :mod:`mbi` module, configuring JAX first."""
    configure_jax()
    with warnings.catch_warnings():
        # mbi warns whenever a persistent cache is enabled; ours is deliberate and thresholded.
        warnings.filterwarnings("ignore", message="JAX persistent compilation cache", category=UserWarning)
        import mbi
    return mbi
