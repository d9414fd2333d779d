# Fashion-MNIST (28x28 grey, 10 classes) read in place from local IDX files; never
# downloads. Default folder: Debian's `dataset-fashion-mnist` package. Override with the
# environment variable MMAUTOMIX_FMNIST_ROOT, or per dataloader with
#   --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
dataset_type = 'OfflineFashionMNIST'
data_root = '{{$MMAUTOMIX_FMNIST_ROOT:/usr/share/datasets/fashion-mnist}}'

# train mean 72.94/255, std ~90/255. The grey preprocessor turns a 3-channel image (a PNG
# read by mmpretrain's inferencers) into one luma channel; the dataset's images pass as
# they are.
data_preprocessor = dict(type='mmautomix.GreyClsDataPreprocessor', num_classes=10,
                         mean=[72.94], std=[90.0], to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

# The training worker is not persistent: a resumed run then draws the same augmentations
# as an uninterrupted one (a persistent worker's generators cannot be saved and restored).
train_dataloader = dict(
    batch_size=100,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=500,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
