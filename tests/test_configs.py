"""Every config under configs/ builds and trains one step on random input of its size."""
import glob
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from conftest import REPO
from mmautomix.registry import MODELS, PARAM_SCHEDULERS
from mmautomix.utils.config import train_input_shape

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and 'mmdet::' not in open(p).read())  # detectors:
# tests/test_detection_transfer.py and tests/test_treecrown.py


def test_there_are_configs():
    names = {osp.basename(p) for p in CONFIGS}
    assert 'automix_resnet18-w16_1xb100-4e_fmnist.py' in names
    assert 'resnet18-w16_1xb100-mixup-4e_fmnist.py' in names
    assert len(CONFIGS) >= 28


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(REPO, 'configs')))
def test_config_builds_and_trains_one_step(path):
    cfg = Config.fromfile(path)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in cfg.model:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    channels, size = train_input_shape(cfg)
    model = MODELS.build(cfg.model)
    # init_weights() is not called: it would download the CUB/Aircraft torchvision
    # weights; the modules keep PyTorch's default initialisation.
    if hasattr(model, 'copy_online_to_ema'):
        model.copy_online_to_ema()
    model.train()
    n = 2 if size >= 128 else 4
    inputs = [torch.randint(0, 256, (channels, size, size), dtype=torch.uint8)
              for _ in range(n)]
    num_classes = model.head.num_classes
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    trained = [p for p in model.parameters() if p.requires_grad]
    before = [p.detach().clone() for p in trained]
    np.random.seed(0)    # the step's numpy draws (λ, the switch_off test) are replayed below
    log = model.train_step(dict(inputs=inputs, data_samples=samples), wrapper)
    assert torch.isfinite(torch.as_tensor(log['loss']))
    changed = sum(not torch.equal(p, b) for p, b in zip(trained, before))
    assert changed > 0.5 * len(trained), f'only {changed}/{len(trained)} tensors updated'
    if cfg.model.type.split('.')[-1] == 'AutoMix':
        # the branches the config keeps: head_weights.one_q=0 drops θ_q's clean loss
        one_q = (cfg.model.get('head_weights') or {}).get('one_q', 1) > 0
        # switch_off s: the official draw after λ_mb, λ_bb keeps L_mix_k when u <= s
        switch_off = cfg.model.get('switch_off', 0)
        replay = np.random.RandomState(0)
        replay.beta(cfg.model.alpha, cfg.model.alpha, 2)
        mix_k = not switch_off or replay.rand() <= switch_off
        assert 'loss_mix_q' in log
        assert ('loss_mix_k' in log) == mix_k
        assert ('loss_one_q' in log) == one_q
        assert ('loss_mask' in log) == (cfg.model.mask_loss_weight > 0)


def test_mix_block_lr_floor_of_imagenet_recipe():
    """Backbone/heads anneal to 0, the Mix Block group to its own 1e-3 (docs/method.md §4.1)."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/automix/imagenet/'
                                   'automix_resnet18_4xb64-100e_in1k.py'))
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    sched_cfg = dict(cfg.param_scheduler)
    sched_cfg.update(optimizer=wrapper, by_epoch=False, T_max=10)
    scheduler = PARAM_SCHEDULERS.build(sched_cfg)
    mix_ids = {id(p) for p in model.mix_block.parameters()}
    groups = wrapper.optimizer.param_groups
    is_mix = [any(id(p) in mix_ids for p in g['params']) for g in groups]
    assert sum(is_mix) == 4 and all(g['momentum'] == 0.9 for g in groups)
    lrs = []
    for _ in range(10):
        scheduler.step()
        lrs.append([g['lr'] for g in groups])
    final = lrs[-1]
    for lr, mix in zip(final, is_mix):
        assert lr == pytest.approx(1e-3 if mix else 0.0, abs=1e-12)
    mid = lrs[4]   # t = 5 of 10: halfway on the cosine
    for lr, mix in zip(mid, is_mix):
        floor = 1e-3 if mix else 0.0
        assert lr == pytest.approx(floor + (0.1 - floor) / 2, rel=1e-6)


def test_imagenet_deit_recipe_warms_up_then_anneals_each_group_to_its_floor():
    """DeiT-S ImageNet (docs/method.md §1.2, §4.1): the official switch_off=0.8 with unused
    parameters allowed under DDP; 5 warm-up epochs from 1e-5·lr, then a cosine to 1e-5
    for θ_q and to 1e-4 for the Mix Block; no weight decay on norms and biases."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/automix/imagenet/'
                                   'automix_deit-small_8xb128-300e_in1k.py'))
    assert cfg.model.switch_off == 0.8 and cfg.model_wrapper_cfg.find_unused_parameters
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    warmup, total = 5, 25        # one iteration per "epoch"
    schedulers = []
    for c in cfg.param_scheduler:
        c = dict(c, optimizer=wrapper, by_epoch=False,
                 end=warmup if c['type'] == 'LinearLR' else total)
        c.pop('convert_to_iter_based')
        schedulers.append(PARAM_SCHEDULERS.build(c))
    mix_ids = {id(p) for p in model.mix_block.parameters()}
    groups = wrapper.optimizer.param_groups
    is_mix = [any(id(p) in mix_ids for p in g['params']) for g in groups]
    assert sum(is_mix) == 4
    norm_ids = {id(p) for n, p in model.named_parameters() if 'ln' in n or 'norm' in n}
    for g in groups:
        if any(id(p) in norm_ids for p in g['params']):
            assert g['weight_decay'] == 0
    assert groups[0]['lr'] == pytest.approx(1e-3 * 1e-5)
    lrs = []
    for _ in range(total):
        for s in schedulers:
            s.step()
        lrs.append([g['lr'] for g in groups])
    assert all(lr == pytest.approx(1e-3) for lr in lrs[warmup - 1])
    for n in range(warmup, total):      # after n steps: t = n − warmup of the cosine
        cos = (1 + math.cos(math.pi * (n - warmup) / (total - warmup))) / 2
        for lr, mix in zip(lrs[n - 1], is_mix):
            floor = 1e-4 if mix else 1e-5
            assert lr == pytest.approx(floor + (1e-3 - floor) * cos, rel=1e-6), n


def test_aircraft_recipe_has_its_own_classes():
    """The official Aircraft config inherits CUB's 200 classes (docs/method.md §7.9); ours not."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/automix/aircraft/'
                                   'automix_resnet18_1xb16-200e_aircraft.py'))
    assert cfg.model.head.num_classes == 100 == cfg.data_preprocessor.num_classes
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.type == 'FGVCAircraft'
    assert cfg.train_dataloader.dataset.split == 'trainval'
    cifar100 = Config.fromfile(osp.join(REPO, 'configs/automix/cifar100/'
                                        'automix_resnet18_1xb100-400e_cifar100.py'))
    assert cifar100.model.head.num_classes == 100 == cifar100.data_preprocessor.num_classes
    assert cifar100.val_dataloader.dataset.type == 'CIFAR100'
    assert cifar100.val_evaluator.type == 'AutoMixAccuracy'
