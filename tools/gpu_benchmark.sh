#!/usr/bin/env bash
# Everything a lent H100/H200 measures, in one call of the device tool:
#
#   make gpu-wheels fmnist-for-device          # here, once: .whl/ (~3 MB), data/ (30 MB)
#   run(command="bash tools/gpu_benchmark.sh", carry=[".whl", "data/fashion-mnist"],
#       timeout_s=590)
#
# The device image has PyTorch but no OpenMMLab package and no internet, so the
# pure-Python wheels of requirements/device/gpu_wheels.txt travel in .whl/ and the
# Fashion-MNIST IDX files in data/fashion-mnist/. Each part is time-boxed so that a slow
# part cannot cost the others; every output is packed into $OUT/results.tar.gz (the
# device tool brings back only a few files per call):
#  1. AutoMix on the whole Fashion-MNIST training set for MASK_EPOCHS epochs, with and
#     without the λ channel, to see whether the Mix Block's masks turn spatial (mask
#     statistics are logged every 50 iterations and per validation epoch);
#  2. optional (TABLE_SEEDS, empty by default): the Fashion-MNIST table on this GPU,
#     TABLE_JOBS runs at a time until TABLE_SECONDS. Measured on an H100 (2026-11-27):
#     14 runs side by side reached only epoch 3 of 4 in 320 s, ~30 iterations/s in all,
#     no more than one run alone; these small runs are bound by Python and kernel
#     launches, so the GPU does not shorten the 2-core table;
#  3. tools/benchmark_step.py: ResNet-18 CIFAR b100 32 px in fp32 with the pass floor,
#     the mixup family, bf16 + channels_last, fp16; ResNet-50 224 px b64 in fp32.
set -uo pipefail
OUT=${OUT:-work_dirs/gpu_benchmark}
TABLE_SECONDS=${TABLE_SECONDS:-320}
TABLE_JOBS=${TABLE_JOBS:-14}
TABLE_SEEDS=${TABLE_SEEDS:-}
MASK_EPOCHS=${MASK_EPOCHS:-6}
MASK_SECONDS=${MASK_SECONDS:-240}
BENCH_SECONDS=${BENCH_SECONDS:-40}
TABLE_CFG_OPTIONS=${TABLE_CFG_OPTIONS:-}      # e.g. a tiny run for a dry rehearsal
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if ! python3 -c 'import mmpretrain' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --target /tmp/mmautomix-site .whl/*.whl
    export PYTHONPATH=/tmp/mmautomix-site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD" PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
[ -d data/fashion-mnist ] && export MMAUTOMIX_FMNIST_ROOT="$PWD/data/fashion-mnist"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
  nproc; } | tee "$OUT/gpu.txt"

# -- 1 + 2: the table and the mask runs, in parallel ---------------------------------
F=configs/fashion_mnist/resnet18-w16_1xb100
A=configs/automix/fashion_mnist/automix_resnet18-w16_1xb100
methods="${A}_fmnist.py ${A}-cos0_fmnist.py ${A}-trunc_fmnist.py ${F}_fmnist.py"
for m in mixup cutmix fmix manifoldmix gridmix smoothmix resizemix; do
    methods+=" ${F}-${m}_fmnist.py"
done
python3 -c 'import cv2; cv2.saliency' 2>/dev/null && methods+=" ${F}-saliencymix_fmnist.py" \
    || echo "[gpu] no cv2.saliency here: SaliencyMix left out" | tee -a "$OUT/gpu.txt"
python3 -c 'import gco' 2>/dev/null && methods+=" ${F}-puzzlemix_fmnist.py" \
    || echo "[gpu] no gco here: PuzzleMix left out" | tee -a "$OUT/gpu.txt"
TABLE=/tmp/gpu_table      # checkpoints stay here; logs and scalars are copied to $OUT
jobs=()
for lam in False True; do  # the mask runs first: they are the longest
    jobs+=("--work-root $TABLE/masks_lam$lam $A-cos0_fmnist.py --seeds 0 --cfg-options \
train_dataloader.dataset.num_samples=None train_cfg.max_epochs=$MASK_EPOCHS \
model.mix_block.lam_concat=$lam $TABLE_CFG_OPTIONS")
done
for s in $TABLE_SEEDS; do
    for c in $methods; do
        jobs+=("--work-root $TABLE/table_fmnist $c --seeds $s \
${TABLE_CFG_OPTIONS:+--cfg-options $TABLE_CFG_OPTIONS}")
    done
done
[ -z "$TABLE_SEEDS" ] && { TABLE_JOBS=2; TABLE_SECONDS=$MASK_SECONDS; }
echo "[gpu] ${#jobs[@]} training runs, $TABLE_JOBS at a time, for ${TABLE_SECONDS}s"
printf '%s\n' "${jobs[@]}" > "$OUT/table_jobs.txt"
t0=$SECONDS
printf '%s\n' "${jobs[@]}" | OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 timeout -s INT \
    "$TABLE_SECONDS" xargs -P "$TABLE_JOBS" -I{} sh -c \
    'python3 tools/benchmark_table.py run {} >/dev/null 2>&1'
echo "[gpu] training runs stopped after $((SECONDS - t0)) s"
pkill -INT -f -- "--work-dir $TABLE/" 2>/dev/null; sleep 3   # only this script's runs
pkill -KILL -f -- "--work-dir $TABLE/" 2>/dev/null
(cd /tmp && find gpu_table \( -name '*.json' -o -name '*.log' -o -name '*.py' \) \
    -size -5M -print0 | tar --null -czf "$OUT/gpu_table_logs.tar.gz" -T -)
[ -n "$TABLE_SEEDS" ] && python3 tools/benchmark_table.py collect $TABLE/table_fmnist \
    --last 1 --out "$OUT/fmnist_table_gpu" 2>&1 | tail -40
for lam in False True; do
    python3 tools/benchmark_table.py collect $TABLE/masks_lam$lam --last 1 \
        --out "$OUT/masks_lam$lam" 2>&1 | tail -8
done

# -- 3: step benchmarks -----------------------------------------------------------------
bench() {   # name, then benchmark_step.py arguments
    local name=$1; shift
    timeout "$BENCH_SECONDS" python3 tools/benchmark_step.py --device "$DEVICE" "$@" 2>&1 \
        | grep -v -i 'warn' | tee "$OUT/$name.txt"
}
bench r18_fp32 --arch r18 --breakdown
bench r18_family_fp32 --arch r18 --modes family
bench r18_bf16_channels_last --arch r18 --breakdown --amp-dtype bf16 --channels-last
bench r18_fp16 --arch r18 --amp-dtype fp16
bench r50_fp32 --arch r50 --breakdown
echo "[gpu] done in $SECONDS s"
(cd "$OUT" && tar czf results.tar.gz --exclude results.tar.gz --exclude gpu_table_logs.tar.gz \
    ./*.txt ./*.md ./*.json ./*.png 2>/dev/null; ls)
