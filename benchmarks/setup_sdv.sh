#!/usr/bin/env bash
# Create the SDV virtual environments the benchmark runs SDV in (SDV needs pandas < 3, so it
# cannot share the project's environment). torch is pinned first so pip does not pull CUDA.
#   benchmarks/.venv-sdv      SDV, current release (refuses > 5 tables or depth > 2)
#   benchmarks/.venv-sdv137   SDV 1.37.x, the last release without that refusal
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
make_venv() {  # $1: folder, $2: sdv requirement
  local venv="$here/$1"
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import sdv" 2>/dev/null && return 0
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.13.0"
  "$venv/bin/pip" install -q "$2" pyarrow
  "$venv/bin/python" -c "import sdv, torch; print('$1: sdv', sdv.__version__, 'torch', torch.__version__)"
}
make_venv .venv-sdv "sdv"
make_venv .venv-sdv137 "sdv>=1.37,<1.38"
