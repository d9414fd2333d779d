"""The small ViT's vanilla baseline on the data-limited regime (2,000 images, 100 epochs):
a first point of the ViT regime search (docs/vit_mixups.md)."""
_base_ = ['./vit-p4-w64_1xb100-4e_fmnist.py', '../../_base_/regimes/fmnist2k_100e.py']
train_dataloader = {{_base_.regime_train_dataloader}}
train_cfg = {{_base_.regime_train_cfg}}
default_hooks = {{_base_.regime_default_hooks}}
