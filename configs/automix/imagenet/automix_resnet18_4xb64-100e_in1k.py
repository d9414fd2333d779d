"""AutoMix, ResNet-18 on ImageNet-1k: the ResNet-50 recipe with this depth.

The Mix Block reads the 256-channel stage-3 output (14x14, x16 mask, λ concatenated).
"""
_base_ = './automix_resnet50_4xb64-100e_in1k.py'
model = dict(
    backbone=dict(depth=18),
    head=dict(in_channels=512),
    mix_block=dict(in_channels=256),
)
