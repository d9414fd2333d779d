"""Classification without the mmcv build: the smoke set that CI runs in a venv set up by
``tools/install.sh --lite`` (mmcv-lite, no compiled ops, no mmdet), and that passes in
the full venv too. Importing and registering, building every classification config,
the demo recipe trained through ``mim train``, and mmpretrain's get_model and
inference_model on its checkpoint; the detection transfer refuses with the command that
installs what it needs."""
import glob
import os
import importlib.util
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from conftest import REPO, VENV_BIN

DEMO = 'automix_resnet18-w16_1xb100-precisebn-4e_fmnist'
LITE = importlib.util.find_spec('mmdet') is None
CLASSIFICATION = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                                              recursive=True)
                        if '/_base_/' not in p and 'mmdet' not in open(p).read())


def test_importing_and_registering_needs_no_compiled_ops():
    """In a fresh interpreter: mmautomix, its models and register_all_modules import,
    pulling in nothing of the detection stack beyond what mmpretrain's own import does
    (mmpretrain imports mmdet where it is installed); mmautomix.detection stays
    unimported; in the lite venv mmcv.ops is indeed absent."""
    code = ('import sys\n'
            'def stack():\n'
            '    return sorted(m for m in sys.modules if m.startswith(("mmdet", "mmcv.ops")))\n'
            'import mmpretrain.models, mmpretrain.datasets, mmpretrain.evaluation\n'
            'before = stack()\n'
            'import mmautomix, mmautomix.models, mmautomix.engine, mmautomix.datasets\n'
            'from mmautomix.utils import register_all_modules\n'
            'register_all_modules()\n'
            'print(stack() == before, "mmautomix.detection" in sys.modules)\n'
            'try:\n    import mmcv.ops\n    print("ops")\n'
            'except ImportError:\n    print("no ops")\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.split()
    assert lines[:2] == ['True', 'False']
    assert lines[2:] == (['no', 'ops'] if LITE else ['ops'])


@pytest.mark.skipif(not LITE, reason='the full set-up: test_configs.py builds and trains '
                    'every config')
@pytest.mark.parametrize('path', CLASSIFICATION, ids=lambda p: osp.relpath(p, REPO))
def test_every_classification_config_builds(path):
    from mmengine.config import Config

    from mmautomix.registry import MODELS
    cfg = Config.fromfile(path)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in cfg.model:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.fixture(scope='module')
def demo_checkpoint(tmp_path_factory, fmnist_root):
    """The demo recipe through `mim train`, from another directory: 1 epoch on 200
    images (2 iterations)."""
    root = tmp_path_factory.mktemp('lite')
    work = root / 'work'
    (root / 'elsewhere').mkdir()
    proc = subprocess.run(
        [osp.join(VENV_BIN, 'mim'), 'train', 'mmautomix', DEMO + '.py', '--work-dir',
         str(work), '--cfg-options', 'train_dataloader.dataset.num_samples=200',
         'val_dataloader.dataset.num_samples=100', 'train_cfg.max_epochs=1'],
        cwd=str(root / 'elsewhere'), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    # the demo's progress line (ProgressHook): the last iteration always prints
    assert re.search(r'\[progress\] iteration 2/2 \(100 %\), elapsed \d+:\d\d, ETA 0:00',
                     proc.stdout + proc.stderr), proc.stdout[-2000:]
    return str(work / 'epoch_1.pth')


def test_mim_train_then_get_model_and_the_inferencer(demo_checkpoint, tmp_path):
    """The checkpoint of `mim train` loads through mmpretrain's get_model (θ_k's weights
    as saved) and its ImageClassificationInferencer classifies a PNG as the model's own
    test step does. (mmpretrain's ``inference_model`` picks the inferencer from the
    metafile's Results task, which the demo entry does not have: it carries no measured
    result.)"""
    import cv2
    from mmengine.dataset import pseudo_collate
    from mmpretrain import ImageClassificationInferencer, get_model

    from mmautomix.registry import DATASETS
    model = get_model(DEMO, pretrained=demo_checkpoint)
    state = torch.load(demo_checkpoint, map_location='cpu', weights_only=False)['state_dict']
    assert torch.equal(model.backbone.conv1.weight, state['backbone.conv1.weight'])
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs/automix/fashion_mnist', DEMO + '.py'))
    sample = DATASETS.build(cfg.test_dataloader.dataset)[0]
    png = str(tmp_path / 'image.png')
    cv2.imwrite(png, sample['inputs'][0].numpy())
    result = ImageClassificationInferencer(model)(png)[0]
    with torch.no_grad():
        expected = model.test_step(pseudo_collate([sample]))[0]
    assert result['pred_label'] == int(expected.pred_label)
    assert abs(sum(result['pred_scores']) - 1) < 1e-4


def test_detection_needs_the_full_set_up(tmp_path):
    """mmautomix.detection (and so a detection config through tools/train.py): in the
    lite venv one ImportError naming the command that installs the full set-up; in the
    full venv it imports."""
    code = 'import mmautomix.detection'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    if not LITE:
        assert out.returncode == 0, out.stderr[-2000:]
        return
    assert out.returncode != 0
    assert 'ImportError: The detection transfer' in out.stderr
    assert 'bash tools/install.sh' in out.stderr
    config = osp.join(REPO, 'configs/detection/treecrown/'
                            'faster-rcnn_r18-automix-pre_fpn_treecrown.py')
    train = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
                            '--work-dir', str(tmp_path / 'det')], capture_output=True,
                           text=True, timeout=300, cwd=REPO)
    assert train.returncode != 0
    assert 'The detection transfer' in train.stderr and 'bash tools/install.sh' in train.stderr


def test_set_up_refuses_a_venv_with_both_mmcv_and_mmcv_lite(tmp_path):
    """tools/install.sh stops, before installing anything, on a venv whose pip lists
    both distributions of the `mmcv` package, and says why (a stand-in venv whose python
    answers `pip show` for both)."""
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    fake = venv / 'bin' / 'python'
    fake.write_text('#!/bin/sh\n'
                    '[ "$1 $2 $3" = "-m pip show" ] && exit 0\n'
                    'echo "unexpected call: $*" >&2; exit 3\n')
    fake.chmod(0o755)
    env = dict(os.environ, MMAUTOMIX_VENV=str(venv))
    for flavour in ([], ['--lite']):
        out = subprocess.run(['bash', osp.join(REPO, 'tools', 'install.sh'), *flavour],
                             capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 1, out.stdout + out.stderr
        assert 'holds both mmcv and mmcv-lite' in out.stderr
        assert 'unexpected call' not in out.stderr
    out = subprocess.run(['bash', osp.join(REPO, 'tools', 'install.sh'), '--bogus'],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2 and 'expected --lite or --full' in out.stderr
