"""CutMix (alpha=1.0, the reference table's setting) on the ImageNet ResNet-50 recipe."""
_base_ = './resnet50_4xb64-100e_in1k.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='CutMix', alpha=1.0)),
)
