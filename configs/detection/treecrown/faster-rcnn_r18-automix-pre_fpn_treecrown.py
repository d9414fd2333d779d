"""Faster R-CNN R18-FPN fine-tuned on real tree-crown tiles, backbone from AutoMix.

Data: the aerial images with tree-crown boxes in the deepforest 2.1.0 wheel, cut into
400-px COCO tiles by tools/dataset_converters/treecrown_to_coco.py (39 train tiles /
795 boxes, 15 held-out tiles / 382 boxes, one class). mmdet's Faster R-CNN R50-FPN
config with a ResNet-18, one class and a CPU-sized schedule (batch 2, 120 iterations);
the backbone is initialised with mmdet's standard `Pretrained` init from
`backbone.*` of an mmautomix checkpoint (the EMA backbone). Metric: COCO bbox mAP on
the held-out tiles.

    python tools/dataset_converters/treecrown_to_coco.py data/treecrown
    AUTOMIX_CKPT=work_dirs/pretrain/epoch_2.pth \
        mim train mmautomix faster-rcnn_r18-automix-pre_fpn_treecrown.py
"""
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmautomix.detection'], allow_failed_imports=False)
automix_checkpoint = '{{$AUTOMIX_CKPT:work_dirs/automix_resnet18-rgb64_1xb100-2e_fmnist/epoch_2.pth}}'
data_root = '{{$TREECROWN_ROOT:data/treecrown}}/'
metainfo = dict(classes=('Tree', ), palette=[(0, 200, 0)])

model = dict(
    backbone=dict(depth=18, init_cfg=dict(type='StrictPretrained', checkpoint=automix_checkpoint,
                                          prefix='backbone.')),
    neck=dict(in_channels=[64, 128, 256, 512]),
    roi_head=dict(bbox_head=dict(num_classes=1)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(400, 400), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(400, 400), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=2, num_workers=1,
    dataset=dict(data_root=data_root, metainfo=metainfo, ann_file='annotations/train.json',
                 data_prefix=dict(img='images/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=1,
    dataset=dict(data_root=data_root, metainfo=metainfo, ann_file='annotations/val.json',
                 data_prefix=dict(img='images/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json', metric='bbox')
test_evaluator = val_evaluator

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=120, val_interval=120)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=120, milestones=[100], gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(by_epoch=False, interval=120, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(enable=False)
randomness = dict(seed=0)   # the heads' initialisation and the data order: one result
