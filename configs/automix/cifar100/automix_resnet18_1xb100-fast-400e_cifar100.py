"""AutoMix, fast recipe, ResNet-18 (CIFAR stem) on CIFAR-100: the reference recipe with θ_q's clean-image loss on half of each batch and the Mix Block trained on every eighth step.

`automix_resnet18_1xb100-400e_cifar100.py` with `one_q_fraction=0.5` (θ_q's forward and
backward on the clean images run on the first half of the batch, 50 of the 100 images;
L_one_q is their mean cross-entropy, so the one-hot heads still train and predict) and
`mix_block_interval=8` (on seven steps of eight no θ_k pass on x_mb, no mask loss and no
Mix Block gradient; those steps' masks come from the current Mix Block). Under DDP the
Mix Block's parameters are unused on the skipped steps, hence
`find_unused_parameters=True`. On the Fashion-MNIST regime the same two knobs trained to
0.11 below the faithful recipe's top-1 paired by seed, within twice the paired spread on
3 seeds (docs/benchmarks/fmnist_regime.md); on this dataset its accuracy is unmeasured.
Step cost: docs/benchmarks/automix_step.md.
"""
_base_ = './automix_resnet18_1xb100-400e_cifar100.py'
model = dict(one_q_fraction=0.5, mix_block_interval=8)
model_wrapper_cfg = dict(find_unused_parameters=True)
