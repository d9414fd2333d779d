"""SmoothMix baseline (Gaussian window, λ = x's pixel share) on the Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; only the
batch augmentation differs. SmoothMix draws no λ (see its docstring).
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.SmoothMix')),
)
