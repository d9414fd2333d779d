"""AutoMix, ResNet-18 from torchvision ImageNet weights, fine-tuned on FGVC-Aircraft.

The CUB-200 recipe (docs/method.md §4.1) on FGVC-Aircraft with 100 classes. The official
Aircraft config inherits the CUB base with 200 classes (docs/method.md §7.9); this one
replaces the dataset and the class count.
"""
_base_ = '../cub/automix_resnet18_1xb16-200e_cub.py'
model = dict(head=dict(num_classes=100))
data_preprocessor = dict(num_classes=100)
train_dataloader = dict(dataset=dict(type='FGVCAircraft', data_root='data/fgvc_aircraft',
                                     split='trainval'))
val_dataloader = dict(dataset=dict(type='FGVCAircraft', data_root='data/fgvc_aircraft',
                                   split='test'))
test_dataloader = val_dataloader
