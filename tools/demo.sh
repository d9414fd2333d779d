#!/usr/bin/env bash
# `make demo`: train AutoMix on real Fashion-MNIST through `mim train` (a progress line
# with the elapsed time and an ETA every 50 iterations), then print the test-set top-1 of
# the EMA model θ_k and of the online model θ_q, what the Mix Block's masks are (spatial
# or flat, following λ or not) and where the mixed-sample pictures are. Both models are
# evaluated once, after the last epoch (the recipe evaluates after every epoch), and each
# epoch draws 10,000 of the training images instead of the recipe's 20,000 (400
# iterations instead of 800): the demo stays under 5 minutes on 2 cores (5:02 with 480). The recipe is
# the official one plus the re-estimation of
# θ_q's BN statistics before each evaluation (AutoMixPreciseBNHook): training is the
# same bit for bit, and θ_q's top-1 measures its weights, not statistics that lag them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${DEMO_WORK_DIR:-$ROOT/work_dirs/demo}"
CONFIG=automix_resnet18-w16_1xb100-precisebn-4e_fmnist.py
export PATH="$ROOT/.venv/bin:$PATH"
start=$(date +%s)
# mim finds the config by name under the installed package, from any directory
(cd /tmp && mim train mmautomix "$CONFIG" --work-dir "$WORK" \
    --cfg-options train_cfg.val_interval=4 custom_hooks.2.interval=4 \
    train_dataloader.dataset.num_samples=10000 "$@")
python "$ROOT/tools/summarize_run.py" "$WORK" --seconds $(( $(date +%s) - start ))
