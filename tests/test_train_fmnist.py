"""Real training runs on real Fashion-MNIST: tools/train.py, --resume, mim train/test."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO, VENV_BIN

VANILLA = osp.join(REPO, 'configs/mixups/fashion_mnist/resnet18-w16_1xb100-4e_fmnist.py')
SMALL = ['train_dataloader.dataset.num_samples=4000',
         'val_dataloader.dataset.num_samples=1000']


def train_fails(argv, monkeypatch):
    """tools/train.py's ``main(argv)`` in this process, which must raise: returns
    ``'Type: message'`` (what the command prints last on its way out)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('train_tool', osp.join(REPO, 'tools/train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setenv('LOCAL_RANK', '0')   # what the tool sets by default, undone after
    with pytest.raises(Exception) as err:
        tool.main([str(a) for a in argv])
    return f'{err.type.__name__}: {err.value}'


def run(cmd, cwd=None, timeout=900, env=None):
    env = dict(env or os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f'{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
    return proc.stdout + proc.stderr


def val_records(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert logs, f'no scalars.json under {work_dir}'
    with open(logs[-1]) as f:
        recs = [json.loads(line) for line in f]
    vals = [r for r in recs if any(k.startswith('accuracy') for k in r)]
    return vals, [r for r in recs if 'loss' in r]


@pytest.fixture(scope='module')
def vanilla_run(tmp_path_factory, fmnist_root):
    """tools/train.py, 2 epochs on 4,000 real training images (80 iterations)."""
    work = str(tmp_path_factory.mktemp('vanilla'))
    out = run([sys.executable, osp.join(REPO, 'tools/train.py'), VANILLA, '--work-dir', work,
               '--cfg-options', *SMALL, 'train_cfg.max_epochs=2'])
    return work, out


def test_train_reaches_well_above_chance(vanilla_run):
    work, _ = vanilla_run
    vals, train = val_records(work)
    assert len(vals) == 2
    # chance is 10 %; 80 iterations of SGD on real images reach about 50 % (seed 0)
    assert vals[-1]['accuracy/top1'] > 40, vals
    assert train[-1]['loss'] < train[0]['loss']
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))


def test_resume_restores_iteration_and_optimizer(vanilla_run, tmp_path):
    work, _ = vanilla_run
    ckpt_path = osp.join(work, 'epoch_1.pth')
    # the local loader reads a full Runner checkpoint with torch.load(weights_only=True)
    from mmengine.runner.checkpoint import CheckpointLoader
    ckpt = CheckpointLoader.load_checkpoint(ckpt_path, map_location='cpu')
    assert ckpt['meta']['iter'] == 40 and ckpt['meta']['epoch'] == 1

    # in process: the Runner restores the counters and the SGD momentum buffers
    cfg = Config.fromfile(VANILLA)
    cfg.merge_from_dict({'train_dataloader.dataset.num_samples': 4000,
                         'val_dataloader.dataset.num_samples': 1000,
                         'train_cfg.max_epochs': 2})
    cfg.work_dir = str(tmp_path / 'inproc')
    runner = Runner.from_cfg(cfg)
    runner.resume(ckpt_path)
    assert runner.iter == 40 and runner.epoch == 1
    state = runner.optim_wrapper.optimizer.state_dict()['state']
    saved = ckpt['optimizer']['state']
    assert len(state) == len(saved) > 0
    for i in saved:
        assert torch.equal(state[i]['momentum_buffer'], saved[i]['momentum_buffer'])

    # end to end: tools/train.py --resume continues at iteration 41 up to epoch 3
    work2 = str(tmp_path / 'resumed')
    out = run([sys.executable, osp.join(REPO, 'tools/train.py'), VANILLA, '--work-dir', work2,
               '--resume', ckpt_path, '--cfg-options', *SMALL, 'train_cfg.max_epochs=3'])
    assert 'resumed epoch: 1, iter: 40' in out.lower()
    final = CheckpointLoader.load_checkpoint(osp.join(work2, 'epoch_3.pth'), 'cpu')
    assert final['meta']['iter'] == 120 and final['meta']['epoch'] == 3
    assert not osp.exists(osp.join(work2, 'epoch_1.pth'))   # epoch 1 was not re-trained


@pytest.mark.parametrize('other', [
    ('configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py', 'missing'),
    (VANILLA, 'other shapes'),     # the same ResNet-18 at twice the width
])
def test_resume_with_a_checkpoint_of_another_model_fails(vanilla_run, tmp_path, other,
                                                         monkeypatch):
    """A vanilla ResNet-18 checkpoint given to --resume of AutoMix (another model), or of
    a wider ResNet-18: refused before training, naming the tensors that differ."""
    work, _ = vanilla_run
    config, what = other
    extra = ['model.backbone.base_channels=32'] if config == VANILLA else []
    error = train_fails([osp.join(REPO, config), '--work-dir', tmp_path,
                         '--resume', osp.join(work, 'epoch_1.pth'), '--cfg-options', *SMALL,
                         *extra], monkeypatch)
    assert error.startswith('ValueError: --resume: checkpoint')
    assert 'does not fit the model of this config' in error and what in error
    assert not glob.glob(osp.join(str(tmp_path), '*.pth'))


def test_resume_from_missing_checkpoint_fails_before_training(tmp_path, monkeypatch):
    error = train_fails([VANILLA, '--work-dir', tmp_path, '--resume', tmp_path / 'no.pth'],
                        monkeypatch)
    assert error.startswith('FileNotFoundError: --resume: checkpoint')
    assert 'does not exist' in error


def test_unknown_cfg_option_fails_at_once(tmp_path, monkeypatch):
    error = train_fails([VANILLA, '--work-dir', tmp_path, '--cfg-options',
                         'train_cfg.max_epoch=1'], monkeypatch)
    assert "unknown config key 'train_cfg.max_epoch'" in error
    assert "'max_epochs'" in error
    assert not glob.glob(str(tmp_path / '*' / '*.log'))     # nothing started


def test_wrong_data_root_fails_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv('MMAUTOMIX_FMNIST_ROOT', str(tmp_path / 'missing'))
    error = train_fails([VANILLA, '--work-dir', tmp_path / 'w'], monkeypatch)
    assert 'data_root' in error and 'apt-get install dataset-fashion-mnist' in error


def test_mim_train_and_test_from_another_directory(tmp_path, fmnist_root):
    mim = osp.join(VENV_BIN, 'mim')
    cwd = tmp_path / 'elsewhere'
    cwd.mkdir()
    work = str(tmp_path / 'mim_work')
    opts = ['train_dataloader.dataset.num_samples=500',
            'val_dataloader.dataset.num_samples=200', 'train_cfg.max_epochs=1']
    run([mim, 'train', 'mmautomix', 'resnet18-w16_1xb100-mixup-4e_fmnist.py', '--work-dir', work,
         '--cfg-options', *opts], cwd=str(cwd))
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    out = run([mim, 'test', 'mmautomix', 'resnet18-w16_1xb100-mixup-4e_fmnist.py',
               '--checkpoint', ckpt, '--work-dir', work,
               '--cfg-options', 'test_dataloader.dataset.num_samples=200'], cwd=str(cwd))
    assert 'accuracy/top1' in out


def test_automix_epoch_with_a_last_batch_of_one_sample(tmp_path, fmnist_root):
    """201 images in batches of 100: the third batch has one sample; it is skipped with
    a warning, the epoch ends and its checkpoint is written."""
    automix = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')
    work = str(tmp_path)
    out = run([sys.executable, osp.join(REPO, 'tools/train.py'), automix, '--work-dir', work,
               '--cfg-options', 'train_dataloader.dataset.num_samples=201',
               'val_dataloader.dataset.num_samples=100', 'train_cfg.max_epochs=1',
               'default_hooks.logger.interval=1', 'custom_hooks.1.interval=1000'])
    assert 'a training batch of 1 sample has nothing to mix with' in out
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    _, train = val_records(work)
    assert [r['iter'] for r in train] == [1, 2, 3]
    assert 'loss' in train[1] and train[2]['skipped_single_sample_batches'] == 1.0


def test_load_from_is_a_partial_load_that_refuses_a_checkpoint_nothing_fits(vanilla_run,
                                                                           tmp_path,
                                                                           monkeypatch):
    """load_from (no resume) of the vanilla ResNet-18 into AutoMix: its backbone and head
    are θ_k's names, so they load and θ_q keeps its initialisation (a warning counts
    them); a checkpoint of another model, of which nothing fits, tools/train.py refuses."""
    from mmengine.config import Config
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmautomix.registry import MODELS
    from mmautomix.utils import check_load_from
    work, _ = vanilla_run
    ckpt = osp.join(work, 'epoch_1.pth')
    automix = MODELS.build(Config.fromfile(osp.join(
        REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')).model)
    n_k = sum(1 for k in automix.state_dict()
              if k.split('.')[0] in ('backbone', 'head') and 'num_batches' not in k)
    with pytest.warns(UserWarning, match=rf'load_from=.*: {n_k} of \d+ model tensors are '
                                         r"loaded; \d+ keep their initialisation"):
        check_load_from(automix, CheckpointLoader.load_checkpoint(ckpt, 'cpu'), ckpt)
    other = tmp_path / 'other.pth'
    torch.save({'state_dict': {'encoder.layers.0.weight': torch.zeros(8, 8)}}, other)
    error = train_fails([VANILLA, '--work-dir', tmp_path / 'work', '--cfg-options',
                         f'load_from={other}', *SMALL], monkeypatch)
    assert 'no tensor of the checkpoint fits the model of this config (no name in common' \
        in error
    assert not glob.glob(str(tmp_path / 'work' / '*.pth'))
