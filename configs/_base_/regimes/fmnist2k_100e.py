# The data-limited Fashion-MNIST regime, the project's benchmark for the mixup family
# (docs/benchmarks/fmnist_regime.md: the search that chose it, the table it makes):
# a class-balanced subset of 2,000 training images (200 per class, `subset_seed` 0 for
# every run, so every method and seed trains on the same images), 100 epochs
# (2,000 iterations of 100), evaluated on the 10,000 test images every 25
# epochs and at each of the last 5 (the table's statistic: the median of those 5).
# Variables only: a regime config lists this file beside its 4-epoch sibling and sets
# `train_dataloader`, `train_cfg` and `default_hooks` from them.
regime_train_dataloader = dict(
    num_workers=0,          # a subset this small: no worker restarted every epoch
    dataset=dict(num_samples=2000, subset_seed=0))
regime_train_cfg = dict(max_epochs=100, val_interval=25,
                        dynamic_intervals=[(97, 1)])   # validate epochs 96-100
regime_default_hooks = dict(checkpoint=dict(interval=10))   # resume points
