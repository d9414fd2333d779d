# Tiny-ImageNet-200 (64 px) as in the AutoMix reference recipe (docs/method.md §6): RandomResizedCrop 64
# (bicubic) + flip for training, no crop for testing, batch 100. Layout expected under
# data/tiny-imagenet-200: train/<wnid>/... and val/<wnid>/... (the val images sorted into
# class folders with val_annotations.txt, the usual preparation).
dataset_type = 'CustomDataset'
data_root = 'data/tiny-imagenet-200'
data_preprocessor = dict(
    num_classes=200,
    mean=[122.4, 114.2, 101.5],
    std=[69.4, 67.6, 69.9],
    to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=100,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=100,
    num_workers=4,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
