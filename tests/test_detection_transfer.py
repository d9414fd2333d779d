"""AutoMix checkpoints in mmdet detectors: exact backbone transfer and loud failures."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from conftest import REPO

DET_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/detection/*_1x_*.py')))
IN1K = 'configs/automix/imagenet/automix_resnet{}_4xb64-100e_in1k.py'


def train_automix(depth, work_dir):
    """A real Runner: the ImageNet AutoMix recipe of this depth, 4 iterations at 64 px on
    colour Fashion-MNIST, saved through the CheckpointHook."""
    cfg = Config.fromfile(osp.join(REPO, IN1K.format(depth)))
    cfg.model.head.num_classes = 10
    cfg.data_preprocessor = dict(num_classes=10, mean=[73.0] * 3, std=[90.0] * 3)
    cfg.train_dataloader = dict(
        batch_size=8, num_workers=0,
        dataset=dict(type='OfflineFashionMNIST', num_samples=32, color=True,
                     pipeline=[dict(type='Resize', scale=(64, 64)), dict(type='PackInputs')]),
        sampler=dict(type='DefaultSampler', shuffle=True))
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'MixedSampleVisHook']
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)      # the same backbone every run
    runner = Runner.from_cfg(cfg)
    runner.train()
    # the recipe's MaskLossCosineHook ran: η before the last of 4 iterations is the
    # true cosine 0.1·½(1 + cos(3π/4))
    import math
    assert runner.model.mask_loss_weight == pytest.approx(0.1 * (1 + math.cos(math.pi * 3 / 4)) / 2)
    return osp.join(work_dir, 'epoch_1.pth')


@pytest.fixture(scope='module', params=[18, 50], ids=['r18', 'r50'])
def automix_ckpt(request, tmp_path_factory, fmnist_root):
    depth = request.param
    return depth, train_automix(depth, str(tmp_path_factory.mktemp(f'automix_r{depth}')))


def build_detector(cfg_path, ckpt, depth, monkeypatch):
    monkeypatch.setenv('AUTOMIX_CKPT', ckpt)
    cfg = Config.fromfile(cfg_path)
    assert cfg.model.backbone.init_cfg == dict(type='StrictPretrained', checkpoint=ckpt,
                                               prefix='backbone.')
    if depth == 18:
        cfg.model.backbone.depth = 18
        cfg.model.neck.in_channels = [64, 128, 256, 512]
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model


def ckpt_state(path):
    from mmengine.runner.checkpoint import CheckpointLoader
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    return ckpt.get('state_dict', ckpt)


@pytest.mark.parametrize('cfg_path', DET_CONFIGS, ids=osp.basename)
def test_detector_backbone_is_the_ema_backbone(cfg_path, automix_ckpt, monkeypatch):
    depth, ckpt = automix_ckpt
    model = build_detector(cfg_path, ckpt, depth, monkeypatch)
    sd = ckpt_state(ckpt)
    det = {k: v for k, v in model.backbone.state_dict().items()
           if not k.endswith('num_batches_tracked')}
    assert len(det) > 50
    for key, tensor in det.items():
        assert torch.equal(tensor, sd['backbone.' + key]), key    # θ_k, exactly
    # θ_k differs from θ_q after training, so this really is the EMA copy
    assert not all(torch.equal(sd['backbone.' + k], sd['backbone_q.' + k]) for k in det)


def test_published_and_extracted_checkpoints(automix_ckpt, tmp_path, monkeypatch):
    depth, ckpt = automix_ckpt
    tools = osp.join(REPO, 'tools/model_converters')
    out = subprocess.run([sys.executable, osp.join(tools, 'publish_model.py'), ckpt,
                          str(tmp_path / f'automix_r{depth}.pth')],
                         capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    digest = __import__('hashlib').sha256(open(out, 'rb').read()).hexdigest()[:8]
    assert out.endswith(f'automix_r{depth}-{digest}.pth')
    lean = torch.load(out, weights_only=True)          # plain torch, no allow-list
    assert set(lean) == {'state_dict'}
    assert {k.split('.')[0] for k in lean['state_dict']} == {'backbone', 'head'}
    model = build_detector(DET_CONFIGS[0], out, depth, monkeypatch)
    full = ckpt_state(ckpt)
    for key, tensor in model.backbone.state_dict().items():
        if not key.endswith('num_batches_tracked'):
            assert torch.equal(tensor, full['backbone.' + key]), key

    bb = tmp_path / 'backbone.pth'
    subprocess.run([sys.executable, osp.join(tools, 'extract_backbone.py'), ckpt, str(bb)],
                   capture_output=True, text=True, check=True)
    only = torch.load(bb, weights_only=True)['state_dict']
    assert 'conv1.weight' in only and torch.equal(only['conv1.weight'],
                                                  full['backbone.conv1.weight'])


def test_bad_checkpoints_fail_loudly(automix_ckpt, tmp_path, monkeypatch):
    depth, ckpt = automix_ckpt
    det = DET_CONFIGS[0]
    # no backbone at all
    head_only = tmp_path / 'head_only.pth'
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(10, 512)}}, head_only)
    with pytest.raises(KeyError, match=r"no 'backbone\.' entries.*\['head'\]"):
        build_detector(det, str(head_only), 50, monkeypatch)
    # a backbone of another depth: every missing/mismatched key is reported
    other = 50 if depth == 18 else 18
    with pytest.raises(ValueError, match=r'missing.*layer\d\.\d|mismatched: .*'):
        build_detector(det, ckpt, other, monkeypatch)
    # one tensor missing, one of another width: each is named exactly
    state = {k: v for k, v in ckpt_state(ckpt).items() if k.startswith('backbone.')}
    dropped = dict(state)
    del dropped['backbone.layer2.0.conv1.weight']
    torch.save({'state_dict': dropped}, tmp_path / 'dropped.pth')
    with pytest.raises(ValueError) as err:
        build_detector(det, str(tmp_path / 'dropped.pth'), depth, monkeypatch)
    assert '1 missing, 0 mismatched' in str(err.value)
    assert [ln.strip() for ln in str(err.value).splitlines() if 'missing:' in ln] == \
        ['missing: layer2.0.conv1.weight']
    wide = dict(state)
    w = wide['backbone.layer1.0.conv1.weight']
    wide['backbone.layer1.0.conv1.weight'] = torch.zeros(w.shape[0] * 2, *w.shape[1:])
    torch.save({'state_dict': wide}, tmp_path / 'wide.pth')
    with pytest.raises(ValueError) as err:
        build_detector(det, str(tmp_path / 'wide.pth'), depth, monkeypatch)
    assert '0 missing, 1 mismatched' in str(err.value)
    assert f'mismatched: layer1.0.conv1.weight: checkpoint ({w.shape[0] * 2}, ' in str(err.value)
    # a path that does not exist fails before any training
    with pytest.raises(FileNotFoundError, match='init_cfg.checkpoint=.*nope.pth'):
        build_detector(det, str(tmp_path / 'nope.pth'), depth, monkeypatch)
