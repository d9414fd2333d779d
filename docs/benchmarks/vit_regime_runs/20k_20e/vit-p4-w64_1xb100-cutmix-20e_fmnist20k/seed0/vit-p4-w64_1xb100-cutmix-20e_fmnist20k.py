auto_scale_lr = dict(base_batch_size=100)
data_preprocessor = dict(
    mean=[
        72.94,
    ],
    num_classes=10,
    std=[
        90.0,
    ],
    to_rgb=False,
    type='mmautomix.GreyClsDataPreprocessor')
data_root = '/usr/share/datasets/fashion-mnist'
dataset_type = 'OfflineFashionMNIST'
default_hooks = dict(
    checkpoint=dict(
        _scope_='mmpretrain',
        interval=5,
        max_keep_ckpts=2,
        type='mmautomix.SafeCheckpointHook'),
    logger=dict(_scope_='mmpretrain', interval=50, type='LoggerHook'),
    param_scheduler=dict(_scope_='mmpretrain', type='ParamSchedulerHook'),
    sampler_seed=dict(_scope_='mmpretrain', type='DistSamplerSeedHook'),
    timer=dict(_scope_='mmpretrain', type='IterTimerHook'),
    visualization=dict(
        _scope_='mmpretrain', enable=False, type='VisualizationHook'))
default_scope = 'mmautomix'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
model = dict(
    backbone=dict(
        arch=dict(
            embed_dims=64, feedforward_channels=128, num_heads=4,
            num_layers=4),
        img_size=28,
        in_channels=1,
        patch_size=4,
        type='VisionTransformer'),
    head=dict(
        in_channels=64,
        loss=dict(loss_weight=1.0, type='CrossEntropyLoss', use_soft=True),
        num_classes=10,
        type='VisionTransformerClsHead'),
    train_cfg=dict(augments=dict(alpha=1.0, type='CutMix')),
    type='ImageClassifier')
optim_wrapper = dict(
    optimizer=dict(lr=0.001, type='AdamW', weight_decay=0.05),
    paramwise_cfg=dict(
        bias_decay_mult=0.0,
        custom_keys=dict({
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }),
        norm_decay_mult=0.0))
param_scheduler = dict(by_epoch=True, eta_min=0.0, type='CosineAnnealingLR')
randomness = dict(deterministic=False, seed=0)
resume = False
test_cfg = dict()
test_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='OfflineFashionMNIST'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(type='PackInputs'),
]
train_cfg = dict(
    dynamic_intervals=[
        (
            16,
            1,
        ),
    ],
    max_epochs=20,
    type='mmautomix.engine.ExactResumeEpochBasedTrainLoop',
    val_interval=5)
train_dataloader = dict(
    batch_size=100,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        num_samples=20000,
        pipeline=[
            dict(crop_size=28, padding=2, type='RandomCrop'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(type='PackInputs'),
        ],
        split='train',
        subset_seed=0,
        type='OfflineFashionMNIST'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(crop_size=28, padding=2, type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(type='PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='OfflineFashionMNIST'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
vis_backends = [
    dict(_scope_='mmpretrain', type='LocalVisBackend'),
]
visualizer = dict(
    _scope_='mmpretrain',
    type='UniversalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = '/root/.cache/mmautomix/vit_regime2/vit-p4-w64_1xb100-cutmix-20e_fmnist20k/seed0'
