"""AutoMix on the Fashion-MNIST CPU recipe with the λ channel given to the Mix Block.

`automix_resnet18-w16_1xb100-4e_fmnist.py` with ``mix_block.lam_concat=True``: the Mix
Block sees λ (and 1−λ for the paired sample) as one extra constant channel of its
input, as the official ImageNet-scale recipes do (the CIFAR recipe, which the base config
follows, leaves it out). Without it the Mix Block cannot know which λ its mask should
match: on this recipe its masks stay flat (within-mask spatial std < 0.011) and their
mean misses 1−λ by 0.1-0.6; with it, a 6-epoch full-data probe on an H100 measured the
spatial std rising to 0.05 by iteration 800 and |mean(M) − (1−λ)| settling at ~0.07
(docs/benchmarks/fmnist_table.md).
"""
_base_ = './automix_resnet18-w16_1xb100-4e_fmnist.py'
model = dict(mix_block=dict(lam_concat=True))
