"""Two real processes (torchrun through tools/dist_train.sh, gloo on the CPU, the
command a user types) train AutoMix on real Fashion-MNIST: different data and losses per
rank, identical weights."""
import os
import os.path as osp
import socket
import subprocess

import pytest
import torch

from conftest import REPO, VENV_BIN

AUTOMIX = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dist_train(tmp_path, hook_args='', extra=(), check=True, base=AUTOMIX):
    """tools/dist_train.sh with 2 processes on 400 images (2 iterations per epoch per
    rank), 2 epochs; returns the finished process and the work_dir."""
    cfg = tmp_path / 'ranked.py'
    cfg.write_text(f"_base_ = [{base!r}]\n"
                   "custom_imports = dict(imports=['rank_state_hook'])\n"
                   "custom_hooks = [\n"
                   "    dict(type='AutoMixMomentumHook', end_momentum=0.999,\n"
                   "         adjust_scope=(0.1, 1.0)),\n"
                   f"    dict(type='RankStateHook'{hook_args})]\n")
    work = tmp_path / 'work'
    env = dict(os.environ, PORT=str(free_port()), PYTHONUNBUFFERED='1',
               PATH=VENV_BIN + os.pathsep + os.environ['PATH'],
               PYTHONPATH=osp.join(REPO, 'tests') + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools/dist_train.sh'), str(cfg), '2', '--work-dir', str(work),
         '--cfg-options', 'train_dataloader.dataset.num_samples=400', 'val_dataloader.dataset.num_samples=100',
         'train_cfg.max_epochs=2', 'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
         'val_dataloader.persistent_workers=False', *extra],
        env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc, work


def test_two_ranks_stay_identical_through_skipped_steps(tmp_path, fmnist_root):
    """One launch, three facts. 402 images on 2 ranks in batches of 100 (iterations 100,
    100, 1 per epoch, 2 epochs) with NaN reaching θ_q on rank 1 only at iteration 1:
    each rank trains on its own images; both ranks skip the non-finite step (counted,
    θ_k not moved) and the one-sample batches (no forward, no update, no EMA step); and
    they end with identical parameters, BN statistics their own."""
    _, work = dist_train(tmp_path, hook_args=', nan_rank=1, nan_iters=(1, )',
                         extra=('train_dataloader.dataset.num_samples=402', ))
    r0 = torch.load(work / 'rank0.pth', weights_only=False)
    r1 = torch.load(work / 'rank1.pth', weights_only=False)
    for r in (r0, r1):
        assert ['loss' in log for log in r['logs']] == [True, False, False, True, True, False]
        assert ['skipped_single_sample_batches' in log for log in r['logs']] == \
            [False, False, True] * 2
        assert r['logs'][1]['nonfinite_steps'] == 1.0
        # the skipped steps do not move θ_k, nor count as EMA steps
        assert [log['ema_steps'] for log in r['logs']] == [1, 1, 1, 2, 3, 3]
        assert r['ema_steps'] == 3
    taken = (0, 3, 4)
    losses = [[r['logs'][i]['loss'] for i in taken] for r in (r0, r1)]
    assert losses[0] != losses[1]                # each rank trained on its own images
    groups = {k.split('.')[0] for k in r0['params']}
    assert {'backbone_q', 'backbone', 'mix_block', 'head_q', 'head_mix_q'} <= groups
    for name, value in r0['params'].items():
        assert torch.equal(value, r1['params'][name]), name
        assert torch.isfinite(value).all(), name
    # and training moved them: θ_q differs from θ_k, which differs from its start
    assert not torch.equal(r0['params']['backbone_q.conv1.weight'],
                           r0['params']['backbone.conv1.weight'])
    # BN running statistics are per rank (broadcast_buffers=False, as the official
    # code): each rank's are those of its own images, counted alike
    assert r0['buffers'].keys() == r1['buffers'].keys()
    for name, value in r0['buffers'].items():
        if name.endswith('num_batches_tracked'):
            assert torch.equal(value, r1['buffers'][name]), name
        elif name.endswith(('running_mean', 'running_var')):
            assert not torch.equal(value, r1['buffers'][name]), name


@pytest.mark.parametrize('config', [
    'samix/fashion_mnist/samix_resnet18-w16_1xb100-100e_fmnist2k.py',
    'adautomix/fashion_mnist/adautomix_resnet18-w16_1xb100-100e_fmnist2k.py'])
def test_the_successors_train_under_ddp_with_identical_parameters(config, tmp_path,
                                                                  fmnist_root):
    """SAMix and AdAutoMix from their regime configs on 2 ranks (2 epochs of 2
    iterations): the same parameters on both ranks, the mask generator's included."""
    _, work = dist_train(tmp_path, base=osp.join(REPO, 'configs', config),
                         extra=('train_cfg.val_interval=2',))
    r0 = torch.load(work / 'rank0.pth', weights_only=False)
    r1 = torch.load(work / 'rank1.pth', weights_only=False)
    assert r0['ema_steps'] == r1['ema_steps'] == 4
    assert any(k.startswith('mix_block.') for k in r0['params'])
    for name, value in r0['params'].items():
        assert torch.equal(value, r1['params'][name]), name


def test_nonfinite_limit_stops_both_ranks_with_the_message(tmp_path, fmnist_root):
    proc, _ = dist_train(tmp_path, hook_args=', nan_rank=0, nan_iters=(1, )',
                         extra=('model.max_nonfinite=1', ), check=False)
    assert proc.returncode != 0
    assert proc.stderr.count('FloatingPointError: AutoMix: non-finite loss') == 2, \
        proc.stderr[-4000:]       # raised by each rank, the one without NaN too
    assert 'on at least one rank' in proc.stderr


def test_gradient_accumulation_under_ddp(tmp_path, fmnist_root):
    """accumulative_counts=2 on 2 ranks: the gradients are not synchronised on the
    accumulation-only iterations (they differ between ranks), the EMA moves only after
    the optimizer steps (iterations 2 and 4), and the ranks end identical."""
    _, work = dist_train(tmp_path, extra=('optim_wrapper.accumulative_counts=2', ))
    r0 = torch.load(work / 'rank0.pth', weights_only=False)
    r1 = torch.load(work / 'rank1.pth', weights_only=False)
    for r in (r0, r1):
        assert [log['ema_steps'] for log in r['logs']] == [0, 1, 1, 2]
    for it in (0, 2):      # accumulated, not yet reduced: each rank's own gradient
        g0, g1 = r0['logs'][it]['grad_sum'], r1['logs'][it]['grad_sum']
        assert g0 is not None and g1 is not None and g0 != g1
    for name, value in r0['params'].items():
        assert torch.equal(value, r1['params'][name]), name
