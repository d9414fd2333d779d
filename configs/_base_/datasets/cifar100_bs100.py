# CIFAR-100: the CIFAR-10 recipe of cifar10_bs100.py (same pipeline and normalisation,
# as in the reference) with 100 classes; files under data/cifar100, never downloaded.
_base_ = './cifar10_bs100.py'
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'
data_preprocessor = dict(num_classes=100)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
