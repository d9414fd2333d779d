"""AutoMix on the Fashion-MNIST CPU recipe under the baselines' schedule.

`automix_resnet18-w16_1xb100-4e_fmnist.py` with one change: the learning rate decays to 0,
as in every baseline of configs/mixups/fashion_mnist/, instead of the official AutoMix
recipe's floor of 0.05.
"""
_base_ = './automix_resnet18-w16_1xb100-4e_fmnist.py'
param_scheduler = dict(eta_min=0.0)
