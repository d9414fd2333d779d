#!/usr/bin/env bash
# Issue 3's GPU benchmark in one call on a lent H100/H200 (the device tool):
#
#   make gpu-wheels                                   # here, once (~3 MB into .whl/)
#   run(command="bash tools/gpu_benchmark.sh", carry=[".whl"], timeout_s=540)
#
# The device image has PyTorch but no OpenMMLab package and no internet, so the
# pure-Python wheels of requirements/device/gpu_wheels.txt travel in .whl/. It prints, for
# ResNet-18 CIFAR b100 32 px and ResNet-50 224 px b64, fp32 and bf16 + channels_last:
# step time, img/s, AutoMix/Mixup ratios, CUDA peak memory and the identical-math floor
# (tools/benchmark_step.py --breakdown). Outputs are also written under $OUT.
set -euo pipefail
OUT=${OUT:-work_dirs/gpu_benchmark}
mkdir -p "$OUT"
if ! python3 -c 'import mmpretrain' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --target /tmp/mmautomix-site .whl/*.whl
    export PYTHONPATH=/tmp/mmautomix-site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD" PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)' \
    | tee -a "$OUT/gpu.txt"
python3 tools/benchmark_step.py --device cuda --arch all --breakdown 2>&1 \
    | grep -v -i 'warn' | tee "$OUT/fp32.txt"
python3 tools/benchmark_step.py --device cuda --arch all --breakdown --amp-dtype bf16 \
    --channels-last 2>&1 | grep -v -i 'warn' | tee "$OUT/bf16_channels_last.txt"
# the mixup family against Mixup (PuzzleMix and SaliencyMix are skipped where gco or
# OpenCV's contrib module is missing: no gco wheel exists for Python 3.12)
python3 tools/benchmark_step.py --device cuda --arch r18 --modes family 2>&1 \
    | grep -v -i 'warn' | tee "$OUT/family_fp32.txt"
