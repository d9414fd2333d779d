#!/usr/bin/env bash
# The framework-free core (mmautomix.core) against the torch releases users have: its
# tests (tests/test_core.py, torch-only ones) in a small venv per torch version, no
# OpenMMLab and no mmcv build. CI runs it after `make test`.
#
#   bash tools/test_core_envs.sh [TORCH_VERSION ...]
#
# Default versions: the oldest that requirements/core.txt declares and the newest on
# the package registry. PyPI's Linux wheels are CUDA builds (about 3 GB with their
# nvidia-* dependencies; they run on a CPU); pip's cache keeps them between runs. The
# machine-wide pip cap (/etc/xdg/pip) is bypassed for these venvs only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
export PIP_CONSTRAINT=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
floor=$(sed -n 's/^torch>=\([0-9.]*\).*/\1/p' requirements/core.txt)
[[ "$floor" == *.*.* ]] || floor="$floor.0"      # 2.1 -> 2.1.0, as torch names itself
newest=$("$PYTHON" -m pip index versions torch 2>/dev/null | sed -n 's/^torch (\(.*\))$/\1/p')
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
    versions=("$floor")
    if [ -n "$newest" ]; then
        versions+=("$newest")
    else
        echo "[core-envs] the registry did not say its newest torch (pip index versions torch); testing the floor only"
    fi
fi
status=0
for v in "${versions[@]}"; do
    venv="$ROOT/.venv-core/torch-$v"
    start=$(date +%s)
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$v')" 2>/dev/null; then
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv"
        # torch < 2.3 was built against numpy 1.x
        numpy=$(awk -v v="$v" 'BEGIN { split(v, a, "."); print (a[1] == 2 && a[2] < 3) ? "numpy<2" : "numpy" }')
        "$venv/bin/python" -m pip install -q "torch==$v" "$numpy" pytest
    fi
    echo "[core-envs] torch $v: $("$venv/bin/python" -c 'import torch, numpy; print(torch.__version__, "numpy", numpy.__version__)')"
    if (cd "$ROOT" && PYTHONPATH="$ROOT" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
            tests/test_core.py tests/test_samix.py tests/test_adautomix.py -m "not full_stack"); then
        echo "[core-envs] torch $v: passed in $(( $(date +%s) - start )) s (with the install)"
    else
        echo "[core-envs] torch $v: FAILED"
        status=1
    fi
done
exit $status
