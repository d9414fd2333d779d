#!/usr/bin/env bash
# One point of the data-limited Fashion-MNIST regime search (docs/benchmarks/fmnist_regime.md):
# the 4-epoch recipes of CONFIGS trained on a class-balanced subset of N training images
# for E epochs, validated every 10 epochs and at each of the last 10, each SEED in turn,
# through tools/benchmark_table.py run (resumable: finished runs are skipped).
#
#   bash tools/regime_search.sh N E "SEEDS" WORK_ROOT CONFIG [CONFIG ...]
#
# Runs single-threaded (OMP_NUM_THREADS=1), so two of these side by side use two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
N=$1 E=$2 SEEDS=$3 ROOT=$4
shift 4
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
exec .venv/bin/python tools/benchmark_table.py run "$@" --seeds $SEEDS \
    --work-root "$ROOT/n${N}_e${E}" --cfg-options \
    train_dataloader.dataset.num_samples="$N" train_cfg.max_epochs="$E" \
    train_cfg.val_interval=10 "train_cfg.dynamic_intervals=[($((E - 10)),1)]" \
    train_dataloader.num_workers=0 default_hooks.checkpoint.interval=10
