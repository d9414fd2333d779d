"""The mixup family in real mmengine Runners on real Fashion-MNIST, and the comparison
picture drawn from the checkpoint of a short real AutoMix run."""
import glob
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO

FMNIST = osp.join(REPO, 'configs', 'mixups', 'fashion_mnist')
AUTOMIX = osp.join(REPO, 'configs', 'automix', 'fashion_mnist')
METHODS = ['fmix', 'saliencymix', 'smoothmix', 'gridmix', 'manifoldmix', 'puzzlemix']


def small_cfg(path, work_dir, iters_images=200):
    """The config on 200 training images (2 iterations of 100) and 100 test images."""
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.train_dataloader.dataset.num_samples = iters_images
    cfg.val_dataloader.dataset.num_samples = 100
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h['type'] != 'MixedSampleVisHook']
    return cfg


def scalars(work_dir):
    path = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize('method', METHODS)
def test_one_real_runner_epoch(method, tmp_path, fmnist_root):
    cfg = small_cfg(osp.join(FMNIST, f'resnet18-w16_1xb100-{method}-4e_fmnist.py'), tmp_path)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    runner.train()
    recs = scalars(str(tmp_path))
    train = [r for r in recs if 'loss' in r]
    assert len(train) == 2 and all(np.isfinite(r['loss']) for r in train)
    assert any('accuracy/top1' in r for r in recs)
    assert all(not torch.equal(before[k], p) for k, p in model.named_parameters()
               if k.endswith('conv1.weight'))
    # the step trains on mixed labels: soft targets on real images
    batch = next(iter(runner.train_dataloader))
    model.train()
    data = model.data_preprocessor(batch, True)
    model.loss(**data)
    scores = torch.stack([ds.gt_score for ds in data['data_samples']])
    assert torch.allclose(scores.sum(1), torch.ones(len(scores)))
    assert (scores.max(1).values < 1 - 1e-6).any()


def test_automix_with_the_baselines_schedule(tmp_path, fmnist_root):
    official = Config.fromfile(osp.join(AUTOMIX, 'automix_resnet18-w16_1xb100-4e_fmnist.py'))
    cfg = small_cfg(osp.join(AUTOMIX, 'automix_resnet18-w16_1xb100-cos0-4e_fmnist.py'), tmp_path)
    assert official.param_scheduler.eta_min == 0.05 and cfg.param_scheduler.eta_min == 0.0
    cfg.train_cfg.max_epochs = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    lrs = [r['lr'] for r in scalars(str(tmp_path)) if 'lr' in r]
    # cosine by epoch over 2 epochs: 0.1 in epoch 1, 0.1·(1 + cos π/2)/2 = 0.05 in epoch 2
    assert lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(0.05)
    # both models by name; the best EMA checkpoint is kept
    vals = [r for r in scalars(str(tmp_path)) if 'accuracy_ema/top1' in r]
    assert len(vals) == 2 and all('accuracy_online/top1' in r for r in vals)
    assert glob.glob(str(tmp_path / 'best_accuracy_ema_top1_epoch_*.pth'))


@pytest.fixture(scope='module')
def automix_checkpoint(tmp_path_factory, fmnist_root):
    work = tmp_path_factory.mktemp('automix_vis')
    cfg = small_cfg(osp.join(AUTOMIX, 'automix_resnet18-w16_1xb100-4e_fmnist.py'), work)
    Runner.from_cfg(cfg).train()
    return str(work / 'epoch_1.pth')


def test_visualize_mixes_writes_the_comparison_picture(automix_checkpoint, tmp_path):
    out = tmp_path / 'mixes.png'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/visualize_mixes.py'),
         osp.join(AUTOMIX, 'automix_resnet18-w16_1xb100-4e_fmnist.py'),
         '--checkpoint', automix_checkpoint, '--out', str(out), '--pairs', '2',
         '--lams', '0.3', '0.7'], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import cv2
    img = cv2.imread(str(out))
    # 2 pairs x 7 rows (mask, AutoMix, Mixup, CutMix, FMix, SaliencyMix, PuzzleMix);
    # columns: the sources, then one per λ; 112-px tiles, 3 caption lines, 4-px gaps
    tile, gap, band = 112, 4, 3 * 14 + 4
    assert img.shape[0] == gap + 14 * (tile + band + gap)
    left = img.shape[1] - 3 * (tile + gap)
    assert 60 < left < 250, img.shape
    # the AutoMix row at λ = 0.3 differs from the Mixup row at λ = 0.3
    y = [gap + r * (tile + band + gap) for r in range(14)]
    x1 = left + (tile + gap)
    automix, mixup = img[y[1]:y[1] + tile, x1:x1 + tile], img[y[2]:y[2] + tile, x1:x1 + tile]
    assert not np.array_equal(automix, mixup)
    assert 'rows' in proc.stdout


@pytest.mark.parametrize('config', [
    'mixups/fashion_mnist/resnet18-w16_1xb100-cutmix-100e_fmnist2k.py',
    'automix/fashion_mnist/automix_resnet18-w16_1xb100-lamcat-100e_fmnist2k.py'])
def test_a_regime_config_runs_a_real_epoch(config, tmp_path, fmnist_root):
    """The data-limited regime's configs on real images: its subset (2,000 images, the
    same subset_seed for every run), its schedule, one short epoch (200 images here)."""
    path = osp.join(REPO, 'configs', config)
    full = Config.fromfile(path)
    assert full.train_dataloader.dataset.num_samples == 2000
    assert full.train_dataloader.dataset.subset_seed == 0
    assert full.train_cfg.max_epochs == 100 and full.train_dataloader.num_workers == 0
    cfg = small_cfg(path, tmp_path)
    Runner.from_cfg(cfg).train()
    recs = scalars(str(tmp_path))
    vals = [r for r in recs if any(k.startswith('accuracy') for k in r)]
    train = [r for r in recs if 'loss' in r]
    assert len(train) == 2 and len(vals) == 1     # 2 iterations, validated at the end
    assert all(np.isfinite(r['loss']) for r in train)
