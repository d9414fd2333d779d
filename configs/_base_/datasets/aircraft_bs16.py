# FGVC-Aircraft (100 classes): the fine-grained recipe of cub_bs16.py (Resize 256 →
# RandomResizedCrop 224, scale (0.5, 1), flip; batch 16) on the trainval/test splits.
_base_ = './cub_bs16.py'
dataset_type = 'FGVCAircraft'
data_root = 'data/fgvc_aircraft'
data_preprocessor = dict(num_classes=100)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='trainval'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
