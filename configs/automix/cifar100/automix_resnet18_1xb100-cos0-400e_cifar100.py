"""AutoMix, ResNet-18 (CIFAR stem) on CIFAR100 under the baselines' schedule.

`automix_resnet18_1xb100-400e_cifar100.py` with one change: the learning rate decays to 0,
as in every baseline of configs/mixups/cifar100/, instead of the official AutoMix
recipe's floor of 0.05. A table row from this config compares AutoMix with the
baselines under one schedule; the official one reproduces the published recipe.
"""
_base_ = './automix_resnet18_1xb100-400e_cifar100.py'
param_scheduler = dict(eta_min=0.0)
