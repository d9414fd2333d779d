"""TransMix on the small ViT, the ViT regime search's third point (the regime's 2,000
images for 300 epochs; docs/vit_mixups.md)."""
_base_ = './transmix_vit-p4-w64_1xb100-100e_fmnist2k.py'
train_cfg = dict(max_epochs=300, val_interval=50, dynamic_intervals=[(297, 1)])
default_hooks = dict(checkpoint=dict(interval=25))
