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
    'SMMix': 'configs/smmix/fashion_mnist/smmix_vit-p4-w64_1xb100-100e_fmnist2k.py',
}


@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_a_vit_mixup_trains_through_the_runner(method, tmp_path, fmnist_root, capsys):
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
    if method == 'TransMix':    # the picture of the six methods from this checkpoint
        picture_of_the_six(osp.join(str(tmp_path), 'epoch_1.pth'), tmp_path, capsys)
    if method == 'TokenMix':    # a batch augment: mmpretrain's RandomBatchAugment holds it
        aug = model.data_preprocessor.batch_augments.augments[0]
        assert type(aug).__name__ == 'TokenMix'
    else:
        assert model.last_mix is not None


def picture_of_the_six(checkpoint, tmp_path, capsys):
    """tools/visualize_vit_mixes.py on a real checkpoint: 8 rows (A, B, Mixup, CutMix,
    TransMix, MixPro, TokenMix, SMMix) of 3 pairs; each method's row differs from image
    A's; ``--checkpoint-of`` takes a method's own checkpoint and names the methods it
    knows when given another."""
    import importlib.util

    import cv2
    spec = importlib.util.spec_from_file_location(
        'visualize_vit_mixes', osp.join(REPO, 'tools', 'visualize_vit_mixes.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = str(tmp_path / 'vit_mixes.png')
    assert tool.main([checkpoint, '--pairs', '3', '--out', out,
                      '--checkpoint-of', f'SMMix={checkpoint}']) == 0
    with pytest.raises(SystemExit):
        tool.parse_args([checkpoint, '--checkpoint-of', f'Mixup={checkpoint}'])
    assert "--checkpoint-of: ['Mixup'] are not among ['MixPro', 'SMMix', 'TransMix']" \
        in capsys.readouterr().err
    img = cv2.imread(out)
    tile, pad = 112, 4          # 28 px upscaled x4; captions below each tile
    rows = [y for y in range(img.shape[0]) if (img[y] < 250).sum() > img.shape[1]]
    assert img.shape[1] > 3 * tile and img.std() > 20
    # the first column's tiles: A at the top, then the rows below it
    col = img[:, img.shape[1] - 3 * (tile + pad):img.shape[1] - 2 * (tile + pad) - pad]
    tops = [y for y in range(1, col.shape[0]) if col[y].mean() < 250 <= col[y - 1].mean()]
    assert len(tops) >= 8 and rows
    a = col[tops[0]:tops[0] + tile]
    for top in tops[2:8]:
        assert not np.array_equal(col[top:top + tile], a)
