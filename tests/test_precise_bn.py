"""AutoMixPreciseBNHook: θ_q's BN statistics from clean images, θ_k and the weights kept."""
import copy
import types

import pytest
import torch
from mmengine.logging import MMLogger
from mmpretrain.structures import DataSample

from mmautomix.registry import HOOKS
from test_automix import build


class ListLoader(list):
    """Batches as a dataloader yields them (pseudo_collate), with a batch_size."""
    batch_size = 8


def loader(n_batches=3, size=16):
    g = torch.Generator().manual_seed(5)
    n = ListLoader.batch_size
    return ListLoader(
        dict(inputs=[torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
                     for _ in range(n)],
             data_samples=[DataSample().set_gt_label(i % 5) for i in range(n)])
        for _ in range(n_batches))


def fake_runner(model, batches):
    return types.SimpleNamespace(model=model, logger=MMLogger.get_current_instance(),
                                 train_loop=types.SimpleNamespace(dataloader=batches))


def test_online_statistics_are_the_average_of_clean_batch_statistics():
    model = build()
    model.train()
    batches = loader()
    before = copy.deepcopy(model.state_dict())
    hook = HOOKS.build(dict(type='mmautomix.AutoMixPreciseBNHook', num_samples=24))
    hook._perform_precise_bn(fake_runner(model, batches))
    # independent: the first BN layer's input is conv1(x); its statistics per batch
    conv, bn = model.backbone_q.conv1, model.backbone_q.norm1
    means, variances = [], []
    with torch.no_grad():
        for b in batches:
            x = model.data_preprocessor(b, False)['inputs']
            f = conv(x)
            means.append(f.mean((0, 2, 3)))
            n = f.numel() / f.size(1)
            variances.append(f.var((0, 2, 3), unbiased=False) * n / (n - 1))
    torch.testing.assert_close(bn.running_mean, torch.stack(means).mean(0))
    torch.testing.assert_close(bn.running_var, torch.stack(variances).mean(0))
    after = model.state_dict()
    for key, value in before.items():
        moved = not torch.equal(value, after[key])
        is_q_stat = key.startswith('backbone_q.') and key.endswith(
            ('running_mean', 'running_var', 'num_batches_tracked'))
        assert moved == is_q_stat, key    # θ_k, the heads, the Mix Block, weights: kept
    assert bn.momentum == 0.1             # the BN momentum is restored


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='AutoMixPreciseBNHook.encoders'):
        HOOKS.build(dict(type='mmautomix.AutoMixPreciseBNHook', encoders=('head', )))
    model = build()
    hook = HOOKS.build(dict(type='mmautomix.AutoMixPreciseBNHook', num_samples=4))
    with pytest.raises(ValueError, match='num_samples=4.*batch_size=8'):
        hook._perform_precise_bn(fake_runner(model, loader()))


def test_the_demo_recipe_trains_bit_for_bit_as_the_plain_one(tmp_path, fmnist_root):
    """`make demo` runs the -precisebn recipe so that it reports θ_q with re-estimated
    BN statistics; its training (every logged loss, θ_k's top-1) is that of the plain
    recipe exactly, and only the online model's evaluation changes."""
    import os.path as osp
    import re
    import subprocess
    import sys

    from conftest import REPO
    from test_train_fmnist import run, val_records
    folder = osp.join(REPO, 'configs/automix/fashion_mnist')
    demo = open(osp.join(REPO, 'tools/demo.sh')).read()
    config = re.search(r'^CONFIG=(\S+)', demo, re.M).group(1)
    assert config == 'automix_resnet18-w16_1xb100-precisebn-4e_fmnist.py'
    opts = ['train_dataloader.dataset.num_samples=400', 'val_dataloader.dataset.num_samples=300',
            'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1']
    logs = {}
    for name, extra in (('plain', []), ('demo', ['custom_hooks.2.num_samples=200'])):
        cfg = ('automix_resnet18-w16_1xb100-4e_fmnist.py' if name == 'plain' else config)
        work = str(tmp_path / name)
        run([sys.executable, osp.join(REPO, 'tools/train.py'), osp.join(folder, cfg),
             '--work-dir', work, '--cfg-options', *opts, *extra])
        logs[name] = val_records(work)
    (vals_p, train_p), (vals_d, train_d) = logs['plain'], logs['demo']
    assert len(train_p) == len(train_d) == 8
    for a, b in zip(train_p, train_d):
        assert {k: v for k, v in a.items() if k.startswith('loss')} == \
            {k: v for k, v in b.items() if k.startswith('loss')}
    assert [v['accuracy_ema/top1'] for v in vals_p] == [v['accuracy_ema/top1'] for v in vals_d]
    assert [v['accuracy_online/top1'] for v in vals_p] != \
        [v['accuracy_online/top1'] for v in vals_d]
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools/summarize_run.py'),
                          str(tmp_path / 'demo')], capture_output=True, text=True,
                         check=True).stdout
    assert re.search(r'accuracy_ema/top1 .*EMA model θ_k, the model reported', out)
    assert re.search(r'accuracy_online/top1 .*online model θ_q, BN statistics '
                     r're-estimated on clean training images', out)
