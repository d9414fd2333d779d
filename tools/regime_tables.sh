#!/usr/bin/env bash
# The data-limited regime's tables from the archived runs: the full tables paired to
# vanilla and to AutoMix, the README's compact table, the per-seed table of
# docs/benchmarks/fmnist_regime.md, the metafiles' Results, and the mask study's table.
# Reads only docs/benchmarks/*_runs (commit new runs with `benchmark_table.py archive`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
B=docs/benchmarks
R=$B/fmnist_regime_runs/table
ATTN=$B/mask_study_runs/automix_resnet18-w16_1xb100-attn03-100e_fmnist2k
COST="--step-cost $B/fmnist_regime_step_cost.json $B/fmnist_regime_speed_step_cost.json"
T=$B/fmnist_regime_table
$PY tools/benchmark_table.py collect $R $ATTN --last 5 \
    --paired-to resnet18-w16_1xb100-100e_fmnist2k --out $T $COST \
    --title "Fashion-MNIST, 2,000 images, 100 epochs (2-core CPU), paired to vanilla"
$PY tools/benchmark_table.py collect $R $ATTN --last 5 \
    --paired-to automix_resnet18-w16_1xb100-100e_fmnist2k --out ${T}_vs_automix $COST \
    --title "Fashion-MNIST, 2,000 images, 100 epochs (2-core CPU), paired to AutoMix"
LABELS="--labels $B/fmnist_regime_labels.json"
# the README: the methods that carry its claims
$PY tools/benchmark_table.py summary $T.json ${T}_vs_automix.json $LABELS --into README.md \
    --methods resnet18-w16_1xb100-100e_fmnist2k resnet18-w16_1xb100-{mixup,cutmix,saliencymix,puzzlemix,fmix}-100e_fmnist2k \
    automix_resnet18-w16_1xb100-{,lamcat-,attn03-,q50-every8-}100e_fmnist2k \
    samix_resnet18-w16_1xb100-100e_fmnist2k adautomix_resnet18-w16_1xb100-100e_fmnist2k
$PY tools/benchmark_table.py summary $T.json ${T}_vs_automix.json $LABELS --per-seed \
    --into $B/fmnist_regime.md --marker regime-table-per-seed
$PY tools/benchmark_table.py results $T.json ${T}_vs_automix.json $LABELS \
    --metafiles configs/{automix,samix,adautomix}/metafile.yml configs/mixups/fashion_mnist/metafile.yml \
    --evaluated-on 'the 10,000 test images' --cite $B/fmnist_regime.md
# the mask study, paired to the faithful recipe (docs/benchmarks/mask_learning.md)
$PY tools/benchmark_table.py collect $B/mask_study_runs \
    $R/{automix_resnet18-w16_1xb100-100e,resnet18-w16_1xb100-cutmix-100e,samix_resnet18-w16_1xb100-100e,automix_resnet18-w16_1xb100-lamcat-100e}_fmnist2k \
    --last 5 --paired-to automix_resnet18-w16_1xb100-100e_fmnist2k \
    --out $B/mask_study_table --title "The mask study, paired to AutoMix (official setting)"
# the same runs paired to CutMix and to SAMix (does a learned spatial mask beat them?)
for PAIR in cutmix:resnet18-w16_1xb100-cutmix-100e_fmnist2k samix:samix_resnet18-w16_1xb100-100e_fmnist2k; do
    $PY tools/benchmark_table.py collect $B/mask_study_runs \
        $R/{automix_resnet18-w16_1xb100-100e,resnet18-w16_1xb100-cutmix-100e,samix_resnet18-w16_1xb100-100e,automix_resnet18-w16_1xb100-lamcat-100e}_fmnist2k \
        --last 5 --paired-to ${PAIR#*:} --out $B/mask_study_table_vs_${PAIR%%:*} \
        --title "The mask study, paired to ${PAIR%%:*}"
done
