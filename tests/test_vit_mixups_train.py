"""The ViT mixups through a real Runner on real Fashion-MNIST images: each method's
small-ViT regime config, 2 iterations of 100 images and one evaluation."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO

CONFIGS = {
    'TransMix': 'configs/transmix/fashion_mnist/transmix_vit-p4-w64_1xb100-100e_fmnist2k.py',
    'MixPro': 'configs/mixpro/fashion_mnist/mixpro_vit-p4-w64_1xb100-100e_fmnist2k.py',
    'TokenMix': 'configs/tokenmix/fashion_mnist/tokenmix_vit-p4-w64_1xb100-100e_fmnist2k.py',
}


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_a_vit_mixup_trains_through_the_runner(method, tmp_path, fmnist_root):
    """The loss is finite at both iterations, the last attention layer's weights move,
    an evaluation is logged, and the method's own mixing ran (its record of the last
    mix)."""
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[method]))
    cfg.work_dir = str(tmp_path)
    for loader, n in (('train_dataloader', 200), ('val_dataloader', 100)):
        cfg[loader].dataset.update(data_root=fmnist_root, num_samples=n)
        cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.train_cfg.update(max_epochs=1, val_interval=1, dynamic_intervals=None)
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    model = runner.model
    qkv = model.backbone.layers[-1].attn.qkv.weight.detach().clone()
    runner.train()
    with open(glob.glob(osp.join(str(tmp_path), '*', 'vis_data', 'scalars.json'))[0]) as f:
        records = [json.loads(line) for line in f]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert any('accuracy/top1' in r for r in records)
    assert not torch.equal(model.backbone.layers[-1].attn.qkv.weight, qkv)
    if method == 'TokenMix':    # a batch augment: mmpretrain's RandomBatchAugment holds it
        aug = model.data_preprocessor.batch_augments.augments[0]
        assert type(aug).__name__ == 'TokenMix'
    else:
        assert model.last_mix is not None
