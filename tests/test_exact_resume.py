"""Exact resume: a run killed after a mid-epoch checkpoint and resumed gives the same
per-iteration losses and the same final θ_q, θ_k, Mix Block, BN statistics, optimizer
state and counters as the run that was never interrupted, bit for bit (CPU,
deterministic mode), across the epoch boundary and its validation."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import REPO

AUTOMIX = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')
ITERS_PER_EPOCH, EPOCHS, CKPT_EVERY, BATCH = 4, 2, 3, 20   # checkpoint after 3 of 4


class LossTrace(Hook):
    """The losses of every iteration (0-based index), as Python floats (no rounding)."""

    def __init__(self):
        self.losses = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses[runner.iter] = {k: float(v.detach()) for k, v in outputs.items()}


class CrashAt(Hook):
    """Dies at the start of iteration index ``at`` (after the checkpoint of ``at``
    iterations)."""

    def __init__(self, at):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            raise KeyboardInterrupt(f'simulated crash at iteration {self.at}')


def make_runner(work_dir, fmnist_root, workers, resume=False, load_from=None):
    cfg = Config.fromfile(AUTOMIX)
    cfg.work_dir = str(work_dir)
    cfg.resume = resume
    cfg.load_from = load_from
    cfg.randomness = dict(seed=0, deterministic=True)
    for loader, n in (('train_dataloader', BATCH * ITERS_PER_EPOCH), ('val_dataloader', 100)):
        cfg[loader].dataset.update(data_root=fmnist_root, num_samples=n)
        cfg[loader].update(num_workers=workers, persistent_workers=False)
    cfg.train_dataloader.batch_size = BATCH
    cfg.train_cfg.max_epochs = EPOCHS
    cfg.default_hooks.checkpoint.update(interval=CKPT_EVERY, by_epoch=False,
                                        max_keep_ckpts=-1, save_best=None)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h.type != 'MixedSampleVisHook']
    runner = Runner.from_cfg(cfg)
    trace = LossTrace()
    runner.register_hook(trace)
    return runner, trace


def final_state(runner):
    model = runner.model
    opt = runner.optim_wrapper.optimizer.state_dict()
    return (copy.deepcopy(model.state_dict()), copy.deepcopy(opt['state']),
            dict(ema_steps=model.ema_steps, momentum=model.momentum,
                 nonfinite=model.nonfinite_steps, iter=runner.iter, epoch=runner.epoch))


@pytest.mark.parametrize('workers', [0, 2])
def test_resume_after_a_mid_epoch_checkpoint_is_bit_exact(tmp_path, fmnist_root, workers):
    total = ITERS_PER_EPOCH * EPOCHS
    straight, trace = make_runner(tmp_path / 'straight', fmnist_root, workers)
    straight.train()
    want_losses, want = trace.losses, final_state(straight)
    assert sorted(want_losses) == list(range(total))

    crashed, _ = make_runner(tmp_path / 'resumed', fmnist_root, workers)
    crashed.register_hook(CrashAt(CKPT_EVERY))
    with pytest.raises(KeyboardInterrupt):
        crashed.train()
    assert osp.isfile(tmp_path / 'resumed' / f'iter_{CKPT_EVERY}.pth')
    assert not osp.exists(tmp_path / 'resumed' / 'epoch_1.pth')

    resumed, trace = make_runner(tmp_path / 'resumed', fmnist_root, workers, resume=True)
    resumed.train()
    # the rest of epoch 1, its validation, then epoch 2
    assert sorted(trace.losses) == list(range(CKPT_EVERY, total))
    for it, losses in trace.losses.items():
        assert losses == want_losses[it], f'iteration {it} differs'
    got = final_state(resumed)
    assert got[2] == want[2] and want[2]['ema_steps'] == total
    for key, value in want[0].items():
        assert torch.equal(got[0][key], value), key
    assert want[1].keys() == got[1].keys()
    for idx, state in want[1].items():
        for name, value in state.items():
            assert torch.equal(got[1][idx][name], value), (idx, name)


def test_without_the_generators_state_the_resumed_run_differs(tmp_path, fmnist_root):
    """The check above can fail: dropping the saved generator states from the checkpoint
    (what mmengine's own resume does) changes the resumed iterations' losses."""
    runner, trace = make_runner(tmp_path / 'a', fmnist_root, 0)
    runner.register_hook(CrashAt(CKPT_EVERY + 1))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    want = dict(trace.losses)
    ckpt = tmp_path / 'a' / f'iter_{CKPT_EVERY}.pth'
    state = torch.load(ckpt, weights_only=False)
    del state['meta']['rng_state']
    torch.save(state, ckpt)
    resumed, trace = make_runner(tmp_path / 'a', fmnist_root, 0, resume=True)
    resumed.register_hook(CrashAt(CKPT_EVERY + 1))
    with pytest.raises(KeyboardInterrupt):
        resumed.train()
    assert trace.losses[CKPT_EVERY] != want[CKPT_EVERY]


def test_the_training_state_travels_in_the_state_dict(tmp_path, fmnist_root):
    """The update clock, θ_k's EMA count, m, η and the skip counters are in the
    checkpoint's state dict, not in hook meta: a plain ``load_state_dict`` into a new
    model restores them; ``load_from`` (not a resume) leaves them at their start."""
    import numpy as np

    from mmautomix.core.ema import momentum_at
    from mmautomix.registry import MODELS

    runner, _ = make_runner(tmp_path / 'a', fmnist_root, 0)
    runner.register_hook(CrashAt(CKPT_EVERY))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    path = tmp_path / 'a' / f'iter_{CKPT_EVERY}.pth'
    ckpt = torch.load(path, weights_only=False)
    assert 'automix' not in ckpt['meta'] and 'mask_loss_weight' not in ckpt['meta']
    # m of the last update before the checkpoint (update index CKPT_EVERY − 1)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'AutoMixMomentumHook')
    m = momentum_at(CKPT_EVERY - 1, ITERS_PER_EPOCH * EPOCHS, 0.99, hook.end_momentum,
                    hook.adjust_scope)
    want = dict(applied_steps=CKPT_EVERY, ema_steps=CKPT_EVERY, nonfinite_steps=0,
                single_sample_batches=0, momentum=m, mask_loss_weight=0.1)
    raw = ckpt['state_dict']['step_state'].numpy().tobytes()
    assert list(np.frombuffer(raw, dtype='<f8')) == list(want.values())

    model = MODELS.build(Config.fromfile(AUTOMIX).model)
    assert (model.applied_steps, model.ema_steps) == (0, 0)
    model.load_state_dict(ckpt['state_dict'])   # torch's strict load, no Runner
    assert {k: getattr(model, k) for k in want} == want
    assert isinstance(model.applied_steps, int) and isinstance(model.momentum, float)

    fresh, _ = make_runner(tmp_path / 'b', fmnist_root, 0, load_from=str(path))
    fresh.load_or_resume()
    model = fresh.model
    assert torch.equal(model.backbone_q.conv1.weight, ckpt['state_dict']['backbone_q.conv1.weight'])
    assert (model.applied_steps, model.ema_steps, model.momentum) == (0, 0, 0.99)
