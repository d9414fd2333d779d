"""The small ViT's vanilla baseline with ten times the regime's images for a fifth of its
epochs (20,000 images, 20 epochs, 4,000 iterations): the second point of the ViT regime
search (docs/vit_mixups.md)."""
_base_ = './vit-p4-w64_1xb100-4e_fmnist.py'
train_dataloader = dict(num_workers=0, dataset=dict(num_samples=20000, subset_seed=0))
train_cfg = dict(max_epochs=20, val_interval=5, dynamic_intervals=[(16, 1)])
default_hooks = dict(checkpoint=dict(interval=5))
