#!/usr/bin/env bash
# Everything a lent H100/H200 measures, in one call of the device tool:
#
#   make gpu-wheels fmnist-for-device          # here, once: .whl/ (~3 MB), data/ (30 MB)
#   run(command="bash tools/gpu_benchmark.sh", carry=[".whl", "data/fashion-mnist"],
#       timeout_s=590)
#
# The device image has PyTorch but no OpenMMLab package and no internet, so the
# pure-Python wheels of requirements/device/gpu_wheels.txt travel in .whl/ and the
# Fashion-MNIST IDX files in data/fashion-mnist/. PARTS picks the parts (default: all);
# each is time-boxed so that a slow part cannot cost the others, and every output is
# packed into $OUT/results.tar.gz (the device tool brings back only a few files a call):
#  1. AutoMix on the whole Fashion-MNIST training set for MASK_EPOCHS epochs, with and
#     without the λ channel, to see whether the Mix Block's masks turn spatial (mask
#     statistics are logged every 50 iterations);
#  2. optional (TABLE_SEEDS, empty by default): the Fashion-MNIST table on this GPU,
#     TABLE_JOBS runs at a time until TRAIN_SECONDS. Measured on an H100 (2026-11-27):
#     14 runs side by side reached only epoch 3 of 4 in 320 s, ~30 iterations/s in all,
#     no more than one run alone; these small runs are bound by Python and kernel
#     launches, so the GPU does not shorten the 2-core table;
#  3. AutoMix trained for AMP_EPOCHS epochs of the table recipe under mixed precision,
#     fp16 (loss scaling) and bf16 (mmautomix.PortableAmpOptimWrapper = mmengine's
#     AmpOptimWrapper on a GPU), beside the mask probes;
#  4. tools/benchmark_step.py: ResNet-18 CIFAR b100 32 px in fp32 with the pass floor,
#     the mixup family, bf16 + channels_last, fp16; ResNet-50 224 px b64 in fp32;
#     ConvNeXt-T (CIFAR stem, 32 px, b100) and DeiT-S (224 px, b64) in fp32 and bf16.
set -uo pipefail
OUT=${OUT:-work_dirs/gpu_benchmark}
PARTS=${PARTS:-masks amp table bench}
TRAIN_SECONDS=${TRAIN_SECONDS:-240}           # parts 1-3 share this time box
TABLE_JOBS=${TABLE_JOBS:-14}
TABLE_SEEDS=${TABLE_SEEDS:-}
MASK_EPOCHS=${MASK_EPOCHS:-6}
AMP_EPOCHS=${AMP_EPOCHS:-4}
BENCH_SECONDS=${BENCH_SECONDS:-40}
TABLE_CFG_OPTIONS=${TABLE_CFG_OPTIONS:-}      # e.g. a tiny run for a dry rehearsal
DEVICE=${DEVICE:-cuda}
has() { [[ " $PARTS " == *" $1 "* ]]; }
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

# -- 1-3: training runs, side by side --------------------------------------------------
F=configs/mixups/fashion_mnist/resnet18-w16_1xb100
A=configs/automix/fashion_mnist/automix_resnet18-w16_1xb100
TABLE=/tmp/gpu_table      # checkpoints stay here; logs and scalars are packed into $OUT
X=${TABLE_CFG_OPTIONS:+ $TABLE_CFG_OPTIONS}
jobs=()
if has masks; then        # first: the longest
    for lam in False True; do
        jobs+=("--work-root $TABLE/masks_lam$lam $A-cos0-4e_fmnist.py --seeds 0 --cfg-options \
train_dataloader.dataset.num_samples=None train_cfg.max_epochs=$MASK_EPOCHS \
model.mix_block.lam_concat=$lam$X")
    done
fi
if has amp; then
    for dtype in float16 bfloat16; do
        jobs+=("--work-root $TABLE/amp_$dtype ${A}-4e_fmnist.py --seeds 0 --cfg-options \
optim_wrapper.type=mmautomix.PortableAmpOptimWrapper optim_wrapper.dtype=$dtype \
train_cfg.max_epochs=$AMP_EPOCHS$X")
    done
fi
if has table; then
    methods="${A}-4e_fmnist.py ${A}-lamcat-4e_fmnist.py ${A}-trunc-4e_fmnist.py ${F}-4e_fmnist.py"
    for m in mixup cutmix fmix manifoldmix gridmix smoothmix resizemix; do
        methods+=" ${F}-${m}-4e_fmnist.py"
    done
    python3 -c 'import cv2; cv2.saliency' 2>/dev/null && methods+=" ${F}-saliencymix-4e_fmnist.py" \
        || echo "[gpu] no cv2.saliency here: SaliencyMix left out" | tee -a "$OUT/gpu.txt"
    python3 -c 'import gco' 2>/dev/null && methods+=" ${F}-puzzlemix-4e_fmnist.py" \
        || echo "[gpu] no gco here: PuzzleMix left out" | tee -a "$OUT/gpu.txt"
    for s in $TABLE_SEEDS; do
        for c in $methods; do
            jobs+=("--work-root $TABLE/table_fmnist $c --seeds $s${X:+ --cfg-options$X}")
        done
    done
else
    TABLE_JOBS=${#jobs[@]}
fi
if [ ${#jobs[@]} -gt 0 ]; then
    echo "[gpu] ${#jobs[@]} training runs, $TABLE_JOBS at a time, for ${TRAIN_SECONDS}s"
    printf '%s\n' "${jobs[@]}" > "$OUT/train_jobs.txt"
    t0=$SECONDS
    printf '%s\n' "${jobs[@]}" | OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 timeout -s INT \
        "$TRAIN_SECONDS" xargs -P "$TABLE_JOBS" -I{} sh -c \
        'python3 tools/benchmark_table.py run {} >/dev/null 2>&1'
    echo "[gpu] training runs stopped after $((SECONDS - t0)) s"
    pkill -INT -f -- "--work-dir $TABLE/" 2>/dev/null; sleep 3   # only this script's runs
    pkill -KILL -f -- "--work-dir $TABLE/" 2>/dev/null
    (cd /tmp && find gpu_table \( -name '*.json' -o -name '*.log' -o -name '*.py' \) \
        -size -5M -print0 | tar --null -czf "$OUT/train_logs.tar.gz" -T -)
    for root in $TABLE/*; do
        python3 tools/benchmark_table.py collect "$root" --last 1 \
            --out "$OUT/$(basename "$root")" 2>&1 | grep '^|' | tee -a "$OUT/tables.txt"
    done
fi

# -- 4: step benchmarks -----------------------------------------------------------------
bench() {   # name, then benchmark_step.py arguments
    local name=$1; shift
    timeout "$BENCH_SECONDS" python3 tools/benchmark_step.py --device "$DEVICE" "$@" 2>&1 \
        | grep -v -i 'warn' | tee "$OUT/$name.txt"
}
if has bench; then
    bench r18_fp32 --arch r18 --breakdown
    bench r18_family_fp32 --arch r18 --modes family
    bench r18_bf16_channels_last --arch r18 --breakdown --amp-dtype bf16 --channels-last
    bench r18_fp16 --arch r18 --amp-dtype fp16
    bench r50_fp32 --arch r50 --breakdown
    bench convnext_t_fp32 --arch convnext_t --breakdown
    bench deit_s_fp32 --arch deit_s --breakdown
    bench deit_s_bf16 --arch deit_s --amp-dtype bf16
fi
echo "[gpu] done in $SECONDS s"
cd "$OUT" && tar czf results.tar.gz --exclude results.tar.gz --exclude train_logs.tar.gz \
    ./*.txt ./*.md ./*.json ./*.png 2>/dev/null
find . -maxdepth 1 -type f ! -name '*.tar.gz' ! -name gpu.txt ! -name tables.txt -delete
ls
