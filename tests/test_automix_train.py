"""AutoMix in a real mmengine Runner on real Fashion-MNIST images (through tools/train.py)."""
import glob
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader

from conftest import REPO, VENV_BIN
from test_train_fmnist import run, val_records

AUTOMIX = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')


@pytest.fixture(scope='module')
def automix_run(tmp_path_factory, fmnist_root):
    """3 epochs on 2,000 real training images (60 iterations), pictures every 20."""
    work = str(tmp_path_factory.mktemp('automix'))
    cfg = osp.join(work, 'traced.py')      # the recipe plus a θ_q trajectory recorder
    with open(cfg, 'w') as f:
        f.write(f"_base_ = [{AUTOMIX!r}]\n"
                "custom_imports = dict(imports=['trajectory_hook'])\n"
                "custom_hooks = [\n"
                "    dict(type='AutoMixMomentumHook', end_momentum=0.999,\n"
                "         adjust_scope=(0.1, 1.0)),\n"
                "    dict(type='MixedSampleVisHook', interval=100),\n"
                "    dict(type='TrajectoryHook')]\n")
    env = dict(os.environ, PYTHONPATH=osp.join(REPO, 'tests') + os.pathsep
               + os.environ.get('PYTHONPATH', ''))
    run([sys.executable, osp.join(REPO, 'tools/train.py'), cfg, '--work-dir', work,
         '--cfg-options', 'train_dataloader.dataset.num_samples=2000',
         'val_dataloader.dataset.num_samples=1000', 'train_cfg.max_epochs=3',
         'custom_hooks.1.interval=20', 'default_hooks.logger.interval=10'], env=env)
    return work


def test_losses_decrease_and_both_models_beat_chance(automix_run):
    vals, train = val_records(automix_run)
    assert len(vals) == 3
    first, last = train[0], train[-1]
    for key in ('loss_one_q', 'loss_mix_q', 'loss_mix_k'):
        assert last[key] < first[key], (key, first[key], last[key])
    # both the EMA model and the online one are logged, by name. Seed 0 measured on the
    # 2-core machine (torch 2.14.1): θ_k 22.3 / 28.1 / 29.6 %, θ_q 29.7 / 44.8 / 54.0 %
    # after epochs 1-3 (1,000 test images; chance 10 %); the margins allow other
    # thread counts, not a θ_k left near its initialisation nor a θ_q that learns less
    ema = [v['accuracy_ema/top1'] for v in vals]
    assert ema == sorted(ema) and ema[-1] > ema[0], ema    # θ_k improves every epoch
    assert vals[-1]['accuracy_ema/top1'] == pytest.approx(29.6, abs=5), vals[-1]
    assert vals[-1]['accuracy_online/top1'] == pytest.approx(54.0, abs=8), vals[-1]
    assert not any(k.startswith('accuracy/') for k in vals[-1])
    assert all(np.isfinite(r['loss']) for r in train)


def test_momentum_follows_the_schedule(automix_run):
    _, train = val_records(automix_run)
    ms = [r['ema_momentum'] for r in train if 'ema_momentum' in r]
    # logged every 10 iterations of 60: the cosine phase from m_base 0.99 to m_end 0.999
    from mmautomix.core.ema import momentum_at
    assert ms[0] == pytest.approx(momentum_at(9, 60, 0.99, 0.999), abs=1e-9)
    assert ms == sorted(ms) and ms[-1] == pytest.approx(momentum_at(59, 60, 0.99, 0.999))


def test_checkpoint_holds_ema_as_backbone(automix_run):
    ckpt = CheckpointLoader.load_checkpoint(osp.join(automix_run, 'epoch_3.pth'), 'cpu')
    sd = ckpt['state_dict']
    assert any(k.startswith('backbone_q.') for k in sd)
    assert any(k.startswith('mix_block.') for k in sd)
    w_k, w_q = sd['backbone.conv1.weight'], sd['backbone_q.conv1.weight']
    assert w_k.shape == w_q.shape and not torch.equal(w_k, w_q)   # θ_k is the average
    # θ_k is the EMA of θ_q's trajectory, recomputed here from θ_q after every step
    rec = torch.load(osp.join(automix_run, 'trajectory.pth'), weights_only=False)
    assert torch.equal(rec['k0'], rec['q0'])            # θ_k starts as a copy of θ_q
    assert rec['ema_steps'] == list(range(1, 61)) and len(rec['q']) == 60
    k = rec['k0'].double()
    for q, m in zip(rec['q'], rec['m']):
        k = m * k + (1 - m) * q.double()
    torch.testing.assert_close(w_k.double(), k, rtol=1e-5, atol=1e-7)
    assert not torch.allclose(w_k.double(), rec['q'][-1].double(), rtol=1e-3)


def test_mixed_sample_pictures_are_written(automix_run):
    pics = sorted(glob.glob(osp.join(automix_run, '*', 'vis_data', 'vis_image', '*.png')))
    assert len(pics) == 3, pics        # iterations 20, 40, 60
    import cv2
    img = cv2.imread(pics[-1])
    # 4 rows (x_i, x_j, mask, mixed) of 28-px tiles upscaled x4 to 112 px, 8 columns,
    # 4-px gaps, a caption band of 3 lines (14 px each + 4: the mask's mean, the λ it
    # should follow, its spatial std) under every row, row labels
    tile, gap, band = 112, 4, 3 * 14 + 4
    assert img.shape[0] == gap + 4 * (tile + band + gap)
    left = img.shape[1] - 8 * (tile + gap)          # row-label column + first gap
    assert 20 < left < 80
    y_mask = gap + 2 * (tile + band + gap)
    rows = [img[gap + r * (tile + band + gap):][:tile, left:left + tile].astype(int)
            for r in range(4)]
    mask = rows[2]
    assert (mask[..., 0] == mask[..., 1]).all() and (mask[..., 1] == mask[..., 2]).all()
    up = np.repeat(np.repeat(mask[::4, ::4], 4, 0), 4, 1)
    assert np.array_equal(mask, up)                   # nearest-neighbour x4 upscale
    caption = img[y_mask + tile:y_mask + tile + band, left:left + tile]
    assert (caption < 128).any()                      # the mask's mean is written under it
    assert not np.array_equal(rows[3], rows[0])      # the mixed image is not x_i
    assert not np.array_equal(rows[3], rows[1])      # nor x_j


def test_summary_prints_both_models(automix_run):
    out = run([sys.executable, osp.join(REPO, 'tools/summarize_run.py'), automix_run])
    assert 'accuracy_ema/top1' in out and 'accuracy_online/top1' in out
    assert 'EMA model' in out and 'online model' in out
    assert 'mixed-sample pictures' in out
    # the masks' end-of-training statistics: the mean of the last 10 logged values
    logged = []
    for path in glob.glob(osp.join(automix_run, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            logged += [json.loads(line) for line in f]
    logged = [r for r in logged if 'mask_spatial_std' in r][-10:]
    assert len(logged) == 6                      # 60 iterations, one record per 10
    spatial = np.mean([r['mask_spatial_std'] for r in logged])
    lam_error = np.mean([r['mask_lam_error'] for r in logged])
    assert (f'spatial std {spatial:.3f}, |mean(M_j) - (1 - lam)| {lam_error:.3f}'
            in out), out
    assert ('The masks are flat' if spatial < 0.05 else 'The masks are spatial') in out


def _small_runner(tmp_path, **opts):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(AUTOMIX)
    cfg.merge_from_dict({'train_dataloader.dataset.num_samples': 600,
                         'train_cfg.max_epochs': 1, **opts})
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.work_dir = str(tmp_path)
    return Runner.from_cfg(cfg)


def test_ema_follows_optimizer_steps_with_gradient_accumulation(tmp_path, fmnist_root):
    runner = _small_runner(tmp_path, **{'optim_wrapper.accumulative_counts': 2})
    model = runner.model
    runner.train()
    assert runner.iter == 6
    assert model.ema_steps == 3                       # once per optimizer step


class _StepRecorder(Hook):
    """Per iteration: whether the Mix Block was trained (its losses are logged), whether
    its weights and θ_k's moved, and the model's clock and momentum."""

    def __init__(self, model):
        self.model, self.rows = model, []

    def _weights(self):
        return (self.model.mix_block.query.weight.detach().clone(),
                self.model.backbone.conv1.weight.detach().clone())

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.before = self._weights()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        block, ema = self._weights()
        self.rows.append(dict(
            trained='loss_mask' in outputs, momentum=self.model.momentum,
            block_moved=not torch.equal(block, self.before[0]),
            ema_moved=not torch.equal(ema, self.before[1]),
            clock=self.model.applied_steps))


def test_one_clock_counts_optimizer_updates_under_accumulation(tmp_path, fmnist_root):
    """accumulative_counts=2 (two micro-batches per update) and mix_block_interval=2:
    the Mix Block trains on both micro-batches of updates 0 and 2 and not on update 1,
    so its weights move after updates 0 and 2 only; θ_k is averaged once per update,
    at its end; m stays the same within an update."""
    runner = _small_runner(tmp_path, **{'optim_wrapper.accumulative_counts': 2,
                                        'model.mix_block_interval': 2})
    recorder = _StepRecorder(runner.model)
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()
    rows = recorder.rows
    assert len(rows) == 6 and runner.model.applied_steps == 3
    assert [r['clock'] for r in rows] == [0, 1, 1, 2, 2, 3]
    assert [r['trained'] for r in rows] == [True, True, False, False, True, True]
    assert [r['block_moved'] for r in rows] == [False, True, False, False, False, True]
    assert [r['ema_moved'] for r in rows] == [False, True, False, True, False, True]
    assert runner.model.ema_steps == 3
    assert [rows[i]['momentum'] == rows[i + 1]['momentum'] for i in (0, 2, 4)] == [True] * 3


def test_update_interval_must_match_accumulation(tmp_path, fmnist_root):
    runner = _small_runner(tmp_path, **{'optim_wrapper.accumulative_counts': 2,
                                        'custom_hooks.0.update_interval': 1})
    with pytest.raises(ValueError, match='update_interval=1 but optim_wrapper.accumulative_counts=2'):
        runner.train()


def test_ddp_wrapped_training_updates_the_ema(tmp_path, fmnist_root, monkeypatch):
    """A real MMDistributedDataParallel (gloo, one process) around AutoMix: the DDP path
    trains on the summed loss and the hook reaches θ_k through the wrapper."""
    import socket

    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for k, v in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
                     MASTER_PORT=str(port)).items():
        monkeypatch.setenv(k, v)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0,
                            world_size=1)
    try:
        runner = _small_runner(tmp_path, launcher='pytorch', **{
            'train_dataloader.dataset.num_samples': 400,
            'model_wrapper_cfg': dict(type='MMDistributedDataParallel', device_ids=None)})
        runner.train()
        assert isinstance(runner.model, MMDistributedDataParallel)
        model = runner.model.module
        assert runner.iter == 4 and model.ema_steps == 4
        assert not torch.equal(model.backbone.conv1.weight, model.backbone_q.conv1.weight)
        assert abs(model.momentum - 0.99) < 0.01 and model.momentum > 0.99
    finally:
        dist.destroy_process_group()


def test_mim_test_reproduces_the_training_evaluation(automix_run, tmp_path):
    """`mim test` on the run's last checkpoint, on the same 1,000 test images, reports
    exactly the top-1 the training run logged for both models, under their names."""
    vals, _ = val_records(automix_run)
    out = run([osp.join(VENV_BIN, 'mim'), 'test', 'mmautomix',
               'automix_resnet18-w16_1xb100-4e_fmnist.py',
               '--checkpoint', osp.join(automix_run, 'epoch_3.pth'),
               '--work-dir', str(tmp_path), '--cfg-options',
               'test_dataloader.dataset.num_samples=1000'], cwd=str(tmp_path))
    (result, ) = glob.glob(osp.join(str(tmp_path), '*', '*.json'))   # the test loop's log
    with open(result) as f:
        tested = json.loads(f.read().splitlines()[-1])
    for key in ('accuracy_ema/top1', 'accuracy_online/top1'):
        assert key in out and tested[key] == vals[-1][key], (key, tested, vals[-1])


def test_masks_of_two_recipes_side_by_side_from_a_real_checkpoint(automix_run, tmp_path):
    """tools/compare_masks.py: the trained AutoMix checkpoint of the 3-epoch run beside
    the λ-channel recipe at its random initialisation, on the same pairs of test images
    of different classes and the same λ; each tile is the model's own M_j (recomputed
    here through ``mix_mask``), the panel statistics are those of the tiles, and the
    picture has its size and is not blank."""
    import importlib.util
    import matplotlib.image
    spec = importlib.util.spec_from_file_location(
        'compare_masks', osp.join(REPO, 'tools', 'compare_masks.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    lamcat = osp.join(REPO, 'configs/automix/fashion_mnist/'
                            'automix_resnet18-w16_1xb100-lamcat-4e_fmnist.py')
    out = str(tmp_path / 'masks.png')
    lams = [0.2, 0.5, 0.8]
    got = tool.main(['--recipe', 'trained', AUTOMIX, osp.join(automix_run, 'epoch_3.pth'),
                     '--recipe', 'lamcat init', lamcat, 'none', '--pairs', '3',
                     '--lams', *map(str, lams), '--out', out])
    assert len(got['pairs']) == 3 and got['lams'] == lams
    from mmautomix.registry import DATASETS
    model, cfg = tool.build(AUTOMIX, osp.join(automix_run, 'epoch_3.pth'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    labels = dataset.get_gt_labels()
    assert all(labels[i] != labels[j] for i, j in got['pairs'])
    samples = [dataset[i] for i, _ in got['pairs']] + [dataset[j] for _, j in got['pairs']]
    x, index = tool.pair_batch(model, samples)
    assert torch.equal(index, torch.tensor([3, 4, 5, 0, 1, 2]))
    for _, masks in got['recipes']:
        assert masks.shape == (3, 3, 28, 28) and 0 <= masks.min() and masks.max() <= 1
    direct = model.mix_mask(x, 0.5, index)[1, 1].numpy()     # pair 2 at λ = 0.5
    np.testing.assert_allclose(got['recipes'][0][1][1, 1], direct, rtol=1e-6)
    # the trained Mix Block gives another mask than the random initialisation's 0.5
    init = got['recipes'][1][1]
    assert np.abs(init - 0.5).max() < 1e-3
    assert np.abs(got['recipes'][0][1] - 0.5).mean() > 1e-2
    std, err = tool.mask_summary(got['recipes'][0][1], lams)
    flat = got['recipes'][0][1].reshape(3, 3, -1).astype(np.float64)
    assert std == pytest.approx(np.mean([np.std(t, ddof=1) for t in flat.reshape(9, -1)]))
    assert err == pytest.approx(np.mean(np.abs(flat.mean(2) - (1 - np.array(lams)))))
    img = matplotlib.image.imread(out)
    assert img.shape[:2] == (round(4.1 * 130), round((1.6 + 2.3 * 2) * 130))
    assert img[..., :3].std() > 0.05
