"""The one skip rule (mmautomix/core/skip.py) through a real Runner with the momentum
hook: a step with a non-finite loss and a batch of one sample leave every parameter,
every buffer, the optimizer's state and the EMA step count as they were, on the staged
and on the summed path (the DDP path: test_ddp_multiprocess.py; the plain-PyTorch
front-end: test_core.py)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO

AUTOMIX = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')


def same(a, b):
    """Nested dicts/lists of tensors and numbers: equal, NaN equal to NaN."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b) or bool(torch.isnan(a).all() and torch.isnan(b).all())
    return a == b


@pytest.mark.parametrize('staged', [True, False], ids=['staged', 'summed'])
def test_a_skipped_step_changes_nothing_in_a_real_runner(tmp_path, fmnist_root, staged):
    import sys
    sys.path.insert(0, osp.join(REPO, 'tests'))
    import skip_probe_hook  # noqa: F401 - registers SkipProbeHook
    cfg = Config.fromfile(AUTOMIX)
    cfg.work_dir = str(tmp_path)
    # 201 images in batches of 100: iterations 0, 1, 2 (one sample), 3, 4, 5 (one sample)
    cfg.train_dataloader.dataset.update(data_root=fmnist_root, num_samples=201)
    cfg.val_dataloader.dataset.update(data_root=fmnist_root, num_samples=100)
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.train_cfg.max_epochs = 2
    cfg.model.staged_backward = staged
    cfg.custom_hooks = [dict(type='AutoMixMomentumHook', end_momentum=0.999),
                        dict(type='SkipProbeHook', nan_iters=(1, ))]
    runner = Runner.from_cfg(cfg)
    with pytest.warns(UserWarning, match='non-finite|1 sample'):
        runner.train()
    probe = next(h for h in runner.hooks if type(h).__name__ == 'SkipProbeHook')
    recs = probe.records
    assert [r['batch'] for r in recs] == [100, 100, 1, 100, 100, 1]
    skipped = {1: 'nonfinite_steps', 2: 'skipped_single_sample_batches',
               5: 'skipped_single_sample_batches'}
    counter = dict(nonfinite_steps='nonfinite_steps',
                   skipped_single_sample_batches='single_sample_batches')
    for r in recs:
        before, after = r['before']['training_state'], r['after']['training_state']
        moved = {k for k in before if before[k] != after[k]}
        if r['iter'] in skipped:
            assert skipped[r['iter']] in r['outputs'] and 'loss' not in r['outputs']
            assert same(r['before']['model'], r['after']['model']), r['iter']
            assert same(r['before']['optimizer'], r['after']['optimizer']), r['iter']
            assert r['before']['ema_steps'] == r['after']['ema_steps']
            # the training state counts the skip and nothing else
            name = counter[skipped[r['iter']]]
            assert moved == {name} and after[name] == before[name] + 1, r['iter']
        else:       # the control: a step that is taken moves θ_q, θ_k and the counts
            assert 'loss' in r['outputs']
            assert r['after']['ema_steps'] == r['before']['ema_steps'] + 1
            assert moved == {'applied_steps', 'ema_steps'}, r['iter']
            assert after['applied_steps'] == before['applied_steps'] + 1
            for prefix in ('backbone_q.', 'backbone.'):
                key = prefix + 'conv1.weight'
                assert not torch.equal(r['before']['model'][key], r['after']['model'][key])
    model = runner.model
    assert model.ema_steps == 3 and model.nonfinite_steps == 1
    assert model.single_sample_batches == 2
