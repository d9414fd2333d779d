"""PuzzleMix baseline (α=1, 3 labels, transport) on the Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; the classifier
computes the input saliency and mixes by graph cut. α, β, γ, η, the label count and the
transport cost are the reference CIFAR config's. Grids must tile the 28-px input, so
they are 2x2 and 4x4 blocks (block_num=(1, 3); the CIFAR config's 2-16 blocks tile
32 px), smoothness is pooled over 7 px (a divisor of the 14- and 7-px blocks; CIFAR: 4)
and blocks are transported at 7 px (CIFAR: 4).
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    type='mmautomix.PuzzleMix',
    alpha=1.0,
    block_num=(1, 3),
    beta=1.2, gamma=0.5, eta=0.2,
    neigh_size=7,
    n_labels=3,
    t_eps=0.8,
    t_size=7,
    transport=True,
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
)
