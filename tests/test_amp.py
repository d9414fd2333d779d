"""Mixed precision: PortableAmpOptimWrapper on a CPU (bfloat16), the AutoMix step under
autocast (one loss-scale update per step, an fp32 Mix Block) and tools/train.py --amp."""
import copy
import glob
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from mmautomix.registry import OPTIM_WRAPPERS
from test_automix import batch, build
from test_train_fmnist import run, val_records

AUTOMIX = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')


def amp_wrapper(model, **kw):
    params = [p for p in model.parameters() if p.requires_grad]
    return OPTIM_WRAPPERS.build(dict(type='mmautomix.PortableAmpOptimWrapper',
                                     optimizer=torch.optim.SGD(params, lr=0.1), **kw))


def test_cpu_wrapper_is_bfloat16_and_refuses_float16():
    model = torch.nn.Linear(2, 2)
    wrapper = amp_wrapper(model)
    assert wrapper.cast_dtype is torch.bfloat16
    assert wrapper.loss_scaler.get_scale() == 2.0 ** 16     # GradScaler's dynamic default
    with wrapper.optim_context(model):
        assert model(torch.ones(1, 2)).dtype is torch.bfloat16
    with pytest.raises(ValueError, match="optim_wrapper.dtype=.*'bfloat16'"):
        amp_wrapper(model, dtype='float16')
    with pytest.raises(TypeError, match='optim_wrapper.loss_scale'):
        amp_wrapper(model, loss_scale='static')


def test_automix_step_under_bf16_autocast():
    """Backbone convs run in bfloat16, the Mix Block's mask and loss in fp32; the three
    staged backwards update the loss scale once per step (growth every step: x2)."""
    model = build()
    wrapper = amp_wrapper(model, loss_scale=dict(init_scale=2.0 ** 10, growth_interval=1))
    dtypes = {}

    def record(name):
        def hook(_, __, out):
            dtypes.setdefault(name, set()).add(out.dtype)
        return hook

    model.backbone_q.conv1.register_forward_hook(record('backbone_q.conv1'))
    model.backbone.conv1.register_forward_hook(record('backbone.conv1'))
    model.mix_block.register_forward_hook(record('mix_block'))
    x, samples = batch()
    before = copy.deepcopy(model.backbone_q.conv1.weight)
    for step in range(2):
        torch.manual_seed(step)
        np.random.seed(step)
        log = model.train_step(dict(inputs=x, data_samples=samples), wrapper)
        assert all(torch.isfinite(v).all() for v in log.values())
    assert dtypes == {'backbone_q.conv1': {torch.bfloat16},
                      'backbone.conv1': {torch.bfloat16}, 'mix_block': {torch.float32}}
    assert log['loss_mask'].dtype is torch.float32
    assert wrapper.loss_scaler.get_scale() == 2.0 ** 12
    assert not torch.equal(before, model.backbone_q.conv1.weight)


def test_train_py_amp_on_cpu(tmp_path, fmnist_root):
    """--amp: a real AutoMix run on a CPU trains in bfloat16 and saves the scaler."""
    work = str(tmp_path)
    run([sys.executable, osp.join(REPO, 'tools/train.py'), AUTOMIX, '--work-dir', work,
         '--amp', '--cfg-options', 'train_dataloader.dataset.num_samples=400',
         'val_dataloader.dataset.num_samples=200', 'train_cfg.max_epochs=1',
         'default_hooks.logger.interval=1', 'custom_hooks.1.interval=1000'])
    ckpt = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    assert 'loss_scaler' in ckpt['optimizer']
    # the dynamic scaler's start, 2^16: bfloat16 gradients never overflow to make it
    # back off, and 4 updates are far from its growth interval (2000)
    assert ckpt['optimizer']['loss_scaler']['scale'] == 2.0 ** 16
    assert ckpt['optimizer']['loss_scaler']['_growth_tracker'] == 4
    cfg_dump = glob.glob(osp.join(work, '*', 'vis_data', 'config.py'))
    text = open(cfg_dump[0]).read()
    assert "type='mmautomix.PortableAmpOptimWrapper'" in text
    vals, train = val_records(work)
    losses = [r[k] for r in train for k in ('loss', 'loss_mix_k', 'loss_mix_q', 'loss_mask')]
    assert len(losses) == 4 * len(train) and np.isfinite(losses).all()
    assert len(vals) == 1 and {'accuracy_ema/top1', 'accuracy_online/top1'} <= set(vals[0])
