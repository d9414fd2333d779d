"""The modes ``tools/benchmark_step.py`` times: the benchmarked architectures (``Arch``)
and, per mode, the model config and its optimizer wrapper (``build``)."""
from dataclasses import dataclass
from typing import Optional

import torch

from .timing import random_batch

MODES = ('vanilla', 'mixup', 'automix', 'automix_trunc', 'automix_plain')
KNOBS = ('automix_switch08', 'automix_every2', 'automix_oneq0', 'automix_oneq0_trunc',
         'automix_fast')
SUCCESSORS = ('samix', 'adautomix', 'adautomix_2src')
FAMILY = ('fmix', 'saliencymix', 'smoothmix', 'gridmix', 'manifoldmix', 'puzzlemix',
          'puzzlemix_pool')
AUGMENTS = dict(fmix=dict(type='FMix', alpha=0.2),
                saliencymix=dict(type='SaliencyMix', alpha=0.2),
                smoothmix=dict(type='SmoothMix'),
                gridmix=dict(type='GridMix', alpha=0.2))
GAP = dict(type='GlobalAveragePooling')


@dataclass(frozen=True)
class Arch:
    """A benchmarked architecture: θ's backbone, neck and head, the Mix Block's input
    (its stage and channels), the image size and the batch on each device."""
    backbone: dict
    neck: Optional[dict]
    head_type: str
    head_channels: int
    mix_block_channels: int
    mask_layer: int
    size: int
    cpu_batch: int
    gpu_batch: int


ARCHS = {
    'r18': Arch(dict(type='ResNet_CIFAR', depth=18, out_indices=(3, )), GAP, 'LinearClsHead',
                head_channels=512, mix_block_channels=256, mask_layer=2, size=32,
                cpu_batch=100, gpu_batch=100),
    'r50': Arch(dict(type='ResNet', depth=50, out_indices=(3, )), GAP, 'LinearClsHead',
                head_channels=2048, mix_block_channels=1024, mask_layer=2, size=224,
                cpu_batch=8, gpu_batch=64),
    'convnext_t': Arch(dict(type='ConvNeXt_CIFAR', arch='tiny', gap_before_final_norm=True),
                       None, 'LinearClsHead', head_channels=768, mix_block_channels=384,
                       mask_layer=2, size=32, cpu_batch=16, gpu_batch=100),
    'deit_s': Arch(dict(type='VisionTransformer', arch='deit-small', img_size=224,
                        patch_size=16), None, 'VisionTransformerClsHead', head_channels=384,
                   mix_block_channels=384, mask_layer=5, size=224, cpu_batch=4,
                   gpu_batch=64),
}
NUM_CLASSES = 100


def model_cfg(mode, arch):
    a = ARCHS[arch]
    backbone, neck, head_type, head_c = a.backbone, a.neck, a.head_type, a.head_channels
    mb_c, mask_layer, size = a.mix_block_channels, a.mask_layer, a.size
    bilevel = mode.startswith('automix') or mode in SUCCESSORS
    soft = mode != 'vanilla' and not bilevel   # AutoMix and its successors: their own heads
    cfg = dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=neck,
        head=dict(type=head_type, num_classes=NUM_CLASSES, in_channels=head_c,
                  loss=dict(type='CrossEntropyLoss', use_soft=soft)),
        data_preprocessor=dict(num_classes=NUM_CLASSES, mean=[125.3, 123.0, 113.9],
                               std=[63.0, 62.1, 66.7], to_rgb=False))
    if mode == 'mixup':
        cfg['train_cfg'] = dict(augments=dict(type='Mixup', alpha=1.0))
    if mode in AUGMENTS:
        cfg['train_cfg'] = dict(augments=AUGMENTS[mode])
    if mode == 'manifoldmix':
        cfg.update(type='ManifoldMix', alpha=2.0, mix_layers=(0, 1, 2))
    if mode.startswith('puzzlemix'):
        cfg.update(type='PuzzleMix', alpha=1.0, n_workers=2 if mode == 'puzzlemix_pool' else 0,
                   **(dict(block_num=5, t_size=4) if size <= 64 else {}))
    if mode == 'samix':
        from mmautomix.core import SAMIX_OPTIONS
        cfg.update(type='AutoMix', alpha=2.0, mask_layer=mask_layer, mask_loss_weight=0.1,
                   lam_margin=0.08,
                   mix_block=dict(type='PixelMixBlock', in_channels=mb_c,
                                  **SAMIX_OPTIONS),
                   mix_k_loss=dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5))
    if mode.startswith('adautomix'):
        cfg.update(type='AdAutoMix', alpha=1.0, mask_layer=mask_layer,
                   mix_samples=2 if mode == 'adautomix_2src' else 3, lam_margin=0.03,
                   mix_block=dict(type='AdaptiveMask', in_channels=mb_c,
                                  lam_concat=arch != 'r18', unsampling_mode='bilinear'))
    if mode.startswith('automix'):
        cfg.update(type='AutoMix', alpha=2.0, mask_layer=mask_layer, mask_loss_weight=0.1,
                   lam_margin=0.08,
                   mix_block=dict(type='PixelMixBlock', in_channels=mb_c,
                                  lam_concat=arch != 'r18', mask_loss_margin=0.1),
                   staged_backward=mode != 'automix_plain',
                   truncate_clean_pass=mode in ('automix_trunc', 'automix_oneq0_trunc'),
                   switch_off=0.8 if mode == 'automix_switch08' else 0.0,
                   mix_block_interval={'automix_every2': 2, 'automix_fast': 8}.get(mode, 1),
                   one_q_fraction=0.5 if mode == 'automix_fast' else 1.0,
                   head_weights=(dict(one_q=0) if mode.startswith('automix_oneq0')
                                 else None))
    return cfg


def build(mode, arch, device, channels_last, amp_dtype):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from mmautomix.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(mode, arch)).to(device)
    model.init_weights()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01,
                          momentum=0.9, weight_decay=1e-4)
    if amp_dtype:
        wrapper = AmpOptimWrapper(optimizer=opt, dtype=amp_dtype)
    else:
        wrapper = OptimWrapper(opt)
    return model, wrapper


def make_batch(arch, batch, device, channels_last):
    return random_batch(batch, 3, ARCHS[arch].size, NUM_CLASSES, device, channels_last)
