"""AdAutoMix, ResNeXt-50 (32x4d, CIFAR stem) on CIFAR100: the official recipe, 400 epochs.

As the ResNet-18 recipe; the mask generator reads the 1024-channel stage-3 output.
"""
_base_ = './adautomix_resnet18_1xb100-400e_cifar100.py'
model = dict(
    backbone=dict(_delete_=True, type='ResNeXt_CIFAR', depth=50, groups=32,
                  width_per_group=4, num_stages=4, out_indices=(3, ), style='pytorch'),
    head=dict(in_channels=2048),
    mix_block=dict(in_channels=1024),
)
