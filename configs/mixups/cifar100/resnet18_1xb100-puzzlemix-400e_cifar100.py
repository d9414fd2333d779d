"""PuzzleMix (α=1 and the reference CIFAR config: 2-16 blocks, transport on 4-px blocks) on the
CIFAR100 ResNet-18 recipe."""
_base_ = './resnet18_1xb100-400e_cifar100.py'
model = dict(
    type='mmautomix.PuzzleMix',
    alpha=1.0,
    block_num=5,
    beta=1.2, gamma=0.5, eta=0.2,
    neigh_size=4,
    n_labels=3,
    t_eps=0.8,
    t_size=4,
    transport=True,
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
)
