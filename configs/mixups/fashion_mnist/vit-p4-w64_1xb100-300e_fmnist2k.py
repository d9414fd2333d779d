"""The small ViT's vanilla baseline on the regime's 2,000 images for three times its
epochs (300 epochs, 6,000 iterations): the third point of the ViT regime search
(docs/vit_mixups.md), after the first showed the ViT still learning at 100 epochs
(train loss 0.37)."""
_base_ = './vit-p4-w64_1xb100-100e_fmnist2k.py'
train_cfg = dict(max_epochs=300, val_interval=50, dynamic_intervals=[(297, 1)])
default_hooks = dict(checkpoint=dict(interval=25))
