"""JAX is configured before mbi: float64 on, compilation cache under the project's directory."""

from __future__ import annotations

import os
import subprocess
import sys


def test_cache_dir_is_configurable_and_outside_the_working_directory(tmp_path):
    code = ("from amalgam_rel.models.jax_setup import import_mbi; import_mbi(); import jax, os; "
            "print(jax.config.jax_enable_x64, jax.config.jax_compilation_cache_dir); print(sorted(os.listdir('.')))")
    work = tmp_path / "cwd"
    work.mkdir()
    env = {**os.environ, "AMALGAM_REL_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-W", "error::UserWarning:mbi", "-c", code], cwd=work, env=env,
                         capture_output=True, text=True, check=True)
    first, second = out.stdout.strip().splitlines()
    assert first == f"True {tmp_path / 'cache' / 'jax'}"
    assert second == "[]"  # nothing strewn in the working directory
