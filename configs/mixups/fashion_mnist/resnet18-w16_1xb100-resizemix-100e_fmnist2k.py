"""ResizeMix in the data-limited Fashion-MNIST regime (2,000 training images, 100 epochs).

`resnet18-w16_1xb100-resizemix-4e_fmnist.py` (the method, model and optimizer) on the regime of
`_base_/regimes/fmnist2k_100e.py`: every method of the table trains on the same images with the same
schedule and seeds (docs/benchmarks/fmnist_regime.md).
"""
_base_ = ['./resnet18-w16_1xb100-resizemix-4e_fmnist.py', '../../_base_/regimes/fmnist2k_100e.py']
train_dataloader = {{_base_.regime_train_dataloader}}
train_cfg = {{_base_.regime_train_cfg}}
default_hooks = {{_base_.regime_default_hooks}}
