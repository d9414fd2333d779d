"""GridMix baseline (α=0.2, 2-6 holes across) on the Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; only the
batch augmentation differs. α and the grid ranges are the reference configs' values.
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.GridMix', alpha=0.2, n_holes=(2, 6),
                                 hole_aspect_ratio=1.0, cut_area_ratio=(0.5, 1.0),
                                 cut_aspect_ratio=(0.5, 2.0))),
)
