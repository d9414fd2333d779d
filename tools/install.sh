#!/usr/bin/env bash
# Idempotent set-up of a bare machine for mmautomix (see docs/install.md).
#
#   bash tools/install.sh          the full set-up: everything, detection included
#   bash tools/install.sh --lite   classification only, without the mmcv build
#
# Both make .venv/ at the repo root ($MMAUTOMIX_VENV to put it elsewhere) with torch
# 2.14.1, mmengine, mmpretrain, openmim, the mixup family's extras and mmautomix itself
# (editable), and install Debian's Fashion-MNIST.
#
# The full set-up adds mmdet and mmcv 2.1.0 with its compiled CPU ops (NMS, RoIAlign, …).
# mmcv 2.1.0 ships only as an sdist and takes ~13 min to build on 2 cores. The wheel is
# built once into $MMAUTOMIX_WHEEL_CACHE (default ~/.cache/mmautomix/wheels/torch-<ver>),
# keyed by the torch version because the wheel's name does not carry it, and reused.
#
# --lite installs mmcv-lite 2.1.0 instead: the same `mmcv` package without compiled ops,
# a pure-Python wheel. mmpretrain never imports mmcv.ops, so training, evaluation,
# `mim train`, get_model/inference_model and the plain-PyTorch core all work; the
# detection transfer does not (it says so, naming this script). A lite venv becomes a
# full one by running this script without --lite (mmcv-lite is uninstalled first: the
# two share the `mmcv` name and are never both in one venv); --lite on a full venv keeps
# it full (the full mmcv does everything the lite one does).
#
# A stamp file records a hash of the requirements and of this script and the flavour;
# when it matches, the script returns at once, so `make test` and `make demo` can call it
# every time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FLAVOUR=full
for arg in "$@"; do
    case "$arg" in
        --lite) FLAVOUR=lite ;;
        --full) FLAVOUR=full ;;
        *) echo "[install] unknown argument $arg; expected --lite or --full" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV="${MMAUTOMIX_VENV:-$ROOT/.venv}"
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

have() { "$VENV/bin/python" -m pip show -q "$1" >/dev/null 2>&1; }

if [ -x "$VENV/bin/python" ] && have mmcv && have mmcv-lite; then
    echo "[install] $VENV holds both mmcv and mmcv-lite: they install the same 'mmcv' package," >&2
    echo "          so neither can be trusted. Remove one (pip uninstall mmcv-lite, or mmcv)" >&2
    echo "          or delete $VENV, then run this script again." >&2
    exit 1
fi

if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
    have_stamp=$(cat "$STAMP")
    if [ "$have_stamp" = "$want_stamp-full" ] || [ "$have_stamp" = "$want_stamp-$FLAVOUR" ]; then
        ensure_data
        exit 0
    fi
fi

t0=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install -U pip 'setuptools>=77,<80' wheel
"${PIP[@]}" install "torch==$TORCH_VER" torchvision==0.29.1

if [ "$FLAVOUR" = lite ] && ! have mmcv; then
    echo "[install] mmcv-lite $MMCV_VER (no compiled ops: classification only)"
    "${PIP[@]}" install "mmcv-lite==$MMCV_VER"
    MMCV_REQ=()
else
    FLAVOUR=full
    if have mmcv-lite; then
        echo "[install] replacing mmcv-lite by the full mmcv $MMCV_VER"
        "${PIP[@]}" uninstall -y mmcv-lite
    fi
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
    MMCV_REQ=(-r requirements/detection.txt "mmcv==$MMCV_VER")
fi
"${PIP[@]}" install --find-links "$CACHE" -r requirements/runtime.txt -r requirements/tests.txt \
    -r requirements/mim.txt "${MMCV_REQ[@]}"
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
if [ "$FLAVOUR" = full ]; then
    "$VENV/bin/python" -c "import mmcv.ops, mmdet, mmpretrain, mmautomix, gco, cv2; cv2.saliency.StaticSaliencyFineGrained_create(); print('[install] ok: mmcv', mmcv.__version__, 'with ops; opencv', cv2.__version__, 'with saliency')"
else
    "$VENV/bin/python" -c "import mmcv, mmpretrain, mmautomix, gco, cv2; cv2.saliency.StaticSaliencyFineGrained_create(); print('[install] ok: mmcv-lite', mmcv.__version__, '(no ops: classification only); opencv', cv2.__version__, 'with saliency')"
fi
echo "$want_stamp-$FLAVOUR" > "$STAMP"
echo "[install] $FLAVOUR set-up done in $(( $(date +%s) - t0 )) s"
ensure_data
