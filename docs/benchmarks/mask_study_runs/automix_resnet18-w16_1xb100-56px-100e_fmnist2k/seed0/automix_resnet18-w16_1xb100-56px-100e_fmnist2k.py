auto_scale_lr = dict(base_batch_size=100)
custom_hooks = [
    dict(
        adjust_scope=(
            0.1,
            1.0,
        ),
        end_momentum=0.999,
        type='AutoMixMomentumHook'),
    dict(interval=100, type='MixedSampleVisHook'),
]
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
        interval=10,
        max_keep_ckpts=2,
        rule='greater',
        save_best='accuracy_ema/top1',
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
    alpha=2.0,
    backbone=dict(
        base_channels=16,
        depth=18,
        in_channels=1,
        num_stages=4,
        out_indices=(3, ),
        stem_channels=16,
        style='pytorch',
        type='ResNet_CIFAR'),
    head=dict(
        in_channels=128,
        loss=dict(loss_weight=1.0, type='CrossEntropyLoss'),
        num_classes=10,
        type='LinearClsHead'),
    lam_margin=0.08,
    mask_layer=2,
    mask_loss_weight=0.1,
    mix_block=dict(
        in_channels=64,
        lam_concat=False,
        mask_loss_margin=0.1,
        mask_loss_mode='L1',
        reduction=2,
        type='PixelMixBlock',
        unsampling_mode=[
            'nearest',
        ],
        use_scale=True),
    momentum=0.99,
    neck=dict(type='GlobalAveragePooling'),
    type='mmautomix.AutoMix')
model_wrapper_cfg = dict(
    broadcast_buffers=False, type='mmautomix.models.AutoMixDDP')
optim_wrapper = dict(
    optimizer=dict(lr=0.1, momentum=0.9, type='SGD', weight_decay=0.0005))
param_scheduler = dict(by_epoch=True, eta_min=0.05, type='CosineAnnealingLR')
randomness = dict(deterministic=False, seed=0)
regime_default_hooks = dict(checkpoint=dict(interval=10))
regime_train_cfg = dict(
    dynamic_intervals=[
        (
            97,
            1,
        ),
    ], max_epochs=100, val_interval=25)
regime_train_dataloader = dict(
    dataset=dict(num_samples=2000, subset_seed=0), num_workers=0)
resume = False
test_cfg = dict()
test_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(interpolation='bilinear', scale=(
                56,
                56,
            ), type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='OfflineFashionMNIST'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='AutoMixAccuracy')
test_pipeline = [
    dict(interpolation='bilinear', scale=(
        56,
        56,
    ), type='Resize'),
    dict(type='PackInputs'),
]
train_cfg = dict(
    dynamic_intervals=[
        (
            97,
            1,
        ),
    ],
    max_epochs=100,
    type='mmautomix.engine.ExactResumeEpochBasedTrainLoop',
    val_interval=25)
train_dataloader = dict(
    batch_size=100,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        num_samples=2000,
        pipeline=[
            dict(interpolation='bilinear', scale=(
                56,
                56,
            ), type='Resize'),
            dict(crop_size=56, padding=4, type='RandomCrop'),
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
    dict(interpolation='bilinear', scale=(
        56,
        56,
    ), type='Resize'),
    dict(crop_size=56, padding=4, type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(type='PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(interpolation='bilinear', scale=(
                56,
                56,
            ), type='Resize'),
            dict(type='PackInputs'),
        ],
        split='test',
        type='OfflineFashionMNIST'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='AutoMixAccuracy')
vis_backends = [
    dict(_scope_='mmpretrain', type='LocalVisBackend'),
]
visualizer = dict(
    _scope_='mmpretrain',
    type='UniversalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = '/root/.cache/mmautomix/mask_study/automix_resnet18-w16_1xb100-56px-100e_fmnist2k/seed0'
