#!/usr/bin/env bash
# Idempotent set-up of a bare machine for mmautomix (see docs/install.md).
#
#   .venv/ at the repo root with torch 2.14.1, mmcv 2.1.0 (CPU ops), mmengine,
#   mmpretrain, mmdet, openmim and mmautomix itself (editable).
#
# mmcv 2.1.0 ships only as an sdist and takes ~13 min to build on 2 cores. The wheel is
# built once into $MMAUTOMIX_WHEEL_CACHE (default ~/.cache/mmautomix/wheels/torch-<ver>),
# keyed by the torch version because the wheel's name does not carry it, and reused.
#
# A stamp file records a hash of the requirements and of this script; when it matches,
# the script returns at once, so `make test` and `make demo` can call it every time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV="$ROOT/.venv"
TORCH_VER=2.14.1
MMCV_VER=2.1.0
CACHE="${MMAUTOMIX_WHEEL_CACHE:-$HOME/.cache/mmautomix/wheels/torch-$TORCH_VER}"
STAMP="$VENV/.mmautomix-install-stamp"
FMNIST_DIR=/usr/share/datasets/fashion-mnist

want_stamp=$(cat requirements/*.txt tools/install.sh setup.py | sha256sum | cut -c1-16)

ensure_data() {
    if [ -f "$FMNIST_DIR/train-images-idx3-ubyte.gz" ]; then return 0; fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "[install] Fashion-MNIST: apt-get install dataset-fashion-mnist"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
    else
        echo "[install] Fashion-MNIST is missing from $FMNIST_DIR and this is not root."
        echo "          Run: sudo apt-get install dataset-fashion-mnist   (Debian/Ubuntu)"
        echo "          or point the configs at your copy: --cfg-options data_root=/path/to/fashion-mnist"
    fi
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ] && [ -x "$VENV/bin/python" ]; then
    ensure_data
    exit 0
fi

t0=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install -U pip 'setuptools>=77,<80' wheel
"${PIP[@]}" install "torch==$TORCH_VER" torchvision==0.29.1

mkdir -p "$CACHE"
if ! ls "$CACHE"/mmcv-$MMCV_VER-*.whl >/dev/null 2>&1; then
    echo "[install] building mmcv $MMCV_VER with CPU ops into $CACHE (about 13 minutes on 2 cores)"
    build=$(mktemp -d)
    "${PIP[@]}" download --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VER" -d "$build"
    tar -xzf "$build"/mmcv-$MMCV_VER.tar.gz -C "$build"
    # torch >= 2.10 headers need C++20; mmcv 2.1.0's setup.py asks for C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$build/mmcv-$MMCV_VER/setup.py"
    grep -q -- '-std=c++20' "$build/mmcv-$MMCV_VER/setup.py"
    (cd "$build/mmcv-$MMCV_VER" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}" \
        "${PIP[@]}" wheel --no-build-isolation --no-deps --no-cache-dir -w "$CACHE" .)
    rm -rf "$build"
fi
"${PIP[@]}" install --no-deps --find-links "$CACHE" "mmcv==$MMCV_VER"
# mmcv's own needs (it was installed without deps to keep pip from rebuilding it).
"${PIP[@]}" install addict packaging Pillow pyyaml yapf opencv-python
"${PIP[@]}" install --find-links "$CACHE" -r requirements/runtime.txt -r requirements/tests.txt \
    -r requirements/mim.txt "mmcv==$MMCV_VER"
"${PIP[@]}" install --no-deps openmim==0.3.9
# The mixup family: gco for PuzzleMix; cv2.saliency for SaliencyMix, which only OpenCV's
# contrib build has. Its wheel of the same version as the opencv-python that mmcv and
# mmengine require replaces that package's cv2 files (--no-deps leaves pip's view alone).
"${PIP[@]}" install -r requirements/mixups.txt
cv_ver=$("$VENV/bin/python" -m pip show opencv-python | awk '/^Version:/{print $2}')
"${PIP[@]}" install --no-deps "opencv-contrib-python-headless==$cv_ver"
# Development install through `setup.py develop` (setuptools < 80): the distribution's
# location is then this repository, which is where `mim train mmautomix ...` looks for
# mmautomix/.mim/{tools,configs}. A PEP 660 `pip install -e .` would put it in
# site-packages, where mim finds nothing (docs/install.md).
(cd "$ROOT" && "$VENV/bin/python" setup.py -q develop --no-deps >/dev/null)
"$VENV/bin/python" -c "import mmcv.ops, mmdet, mmpretrain, mmautomix, gco, cv2; cv2.saliency.StaticSaliencyFineGrained_create(); print('[install] ok: mmcv', mmcv.__version__, 'with ops; opencv', cv2.__version__, 'with saliency')"
echo "$want_stamp" > "$STAMP"
echo "[install] done in $(( $(date +%s) - t0 )) s"
ensure_data
