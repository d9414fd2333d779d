"""ManifoldMix baseline (α=2, mixing the input or the output of stage 1 or 2) on the
Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; the classifier
mixes inside the backbone. α and the layers are the reference tables' CIFAR values.
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    type='mmautomix.ManifoldMix',
    alpha=2.0,
    mix_layers=(0, 1, 2),
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
)
