"""AutoMix on the Fashion-MNIST CPU recipe with the λ channel given to the Mix Block.

`automix_resnet18-w16_1xb100-4e_fmnist.py` with ``mix_block.lam_concat=True``: the Mix
Block sees λ (and 1−λ for the paired sample) as one extra constant channel of its
input, as the official ImageNet-scale recipes do (the CIFAR recipe, which the base config
follows, leaves it out). Without it the Mix Block cannot know which λ its mask should
match: on this recipe its masks stay flat and their mean does not follow 1−λ; with it,
the masks' mean follows 1−λ within the mask loss's margin and they become (weakly)
spatial (measurements: docs/benchmarks/fmnist_table.md and gpu.md).
"""
_base_ = './automix_resnet18-w16_1xb100-4e_fmnist.py'
model = dict(mix_block=dict(lam_concat=True))
