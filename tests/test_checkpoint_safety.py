"""Crash-safe checkpoints: SIGKILL while a checkpoint is written, a truncated newest
checkpoint, and --resume continuing from the newest good one."""
import errno
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from conftest import REPO
from mmautomix.utils import find_resumable_checkpoint
from test_train_fmnist import run, val_records

VANILLA = osp.join(REPO, 'configs/mixups/fashion_mnist/resnet18-w16_1xb100-4e_fmnist.py')
TINY = ['train_dataloader.dataset.num_samples=300', 'val_dataloader.dataset.num_samples=100',
        'train_cfg.max_epochs=2']


def runner_checkpoint(path, epoch, iteration=None):
    meta = dict(epoch=epoch) if iteration is None else dict(epoch=epoch, iter=iteration)
    torch.save(dict(meta=meta, state_dict={'w': torch.ones(3) * epoch}), path)


def test_resume_picks_the_checkpoint_furthest_along_not_the_biggest_number(tmp_path):
    """epoch_N and iter_N files in one work_dir: the iteration each records decides
    (epoch_3 at iteration 60 is after iter_50), the newer file on a tie."""
    runner_checkpoint(tmp_path / 'iter_50.pth', 2, 50)
    runner_checkpoint(tmp_path / 'epoch_3.pth', 3, 60)
    runner_checkpoint(tmp_path / 'epoch_2.pth', 2, 40)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_50.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    runner_checkpoint(tmp_path / 'iter_60.pth', 3, 60)           # the same step, later
    os.utime(tmp_path / 'iter_60.pth', (time.time() + 5, time.time() + 5))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_60.pth')


def test_truncated_newest_checkpoint_is_named_and_skipped(tmp_path):
    for e in (1, 2, 3):
        runner_checkpoint(tmp_path / f'epoch_{e}.pth', e)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    data = (tmp_path / 'epoch_3.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(data[:len(data) // 2])
    with pytest.warns(UserWarning, match=r"checkpoint '.*epoch_3.pth' cannot be loaded"):
        assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'epoch_2.pth').write_bytes(b'')
    (tmp_path / 'epoch_1.pth').write_bytes(b'not a checkpoint')
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match='no checkpoint in'):
        find_resumable_checkpoint(str(tmp_path))
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert find_resumable_checkpoint(str(empty)) is None     # nothing to resume: start


def kill_while_writing(tmp_path, work, tmp_name,
                       hooks="dict(type='CheckpointPaddingHook')", extra=''):
    """Train the vanilla recipe (checkpoints padded to 500 MB from epoch 2 on, so that
    writing one takes a while) into ``work`` and SIGKILL it as soon as the temporary
    file ``tmp_name`` appears; returns that file's path."""
    cfg = tmp_path / 'padded.py'
    cfg.write_text(f"_base_ = [{VANILLA!r}]\n"
                   "custom_imports = dict(imports=['checkpoint_padding_hook'])\n"
                   f"custom_hooks = [{hooks}]\n" + extra)
    env = dict(os.environ, PYTHONPATH=osp.join(REPO, 'tests') + os.pathsep
               + os.environ.get('PYTHONPATH', ''), PYTHONUNBUFFERED='1')
    proc = subprocess.Popen([sys.executable, osp.join(REPO, 'tools/train.py'), str(cfg),
                             '--work-dir', str(work), '--cfg-options', *TINY],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp_file = work / tmp_name
    deadline = time.time() + 600
    while not tmp_file.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return tmp_file


def test_sigkill_while_saving_keeps_the_previous_checkpoint(tmp_path, fmnist_root):
    """A real training process is killed while its second checkpoint is on its way to
    disk: epoch_1.pth and last_checkpoint stay good, no truncated epoch_2.pth appears,
    and --resume finishes the run from epoch 1."""
    work = tmp_path / 'work'
    tmp_ckpt = kill_while_writing(tmp_path, work, '.epoch_2.pth.tmp')
    assert tmp_ckpt.exists(), 'the process was not caught writing its second checkpoint'
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'last_checkpoint').read_text().strip().endswith('epoch_1.pth')
    assert find_resumable_checkpoint(str(work)).endswith('epoch_1.pth')

    out = run([sys.executable, osp.join(REPO, 'tools/train.py'), VANILLA,
               '--work-dir', str(work), '--resume', '--cfg-options', *TINY])
    assert 'resumed epoch: 1' in out.lower() or 'resumed epoch 1' in out.lower(), out[-3000:]
    ckpt = torch.load(work / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['epoch'] == 2 and 'padding' not in ckpt
    assert not tmp_ckpt.exists()
    vals, _ = val_records(str(work))
    assert len(vals) == 1       # the resumed run evaluated epoch 2 only


@pytest.mark.parametrize('err', [errno.ENOSPC, errno.EROFS], ids=['disk-full', 'read-only'])
def test_a_checkpoint_that_cannot_be_written_names_the_path_and_keeps_the_last(
        tmp_path, fmnist_root, monkeypatch, err):
    """A real run that keeps one checkpoint (max_keep_ckpts=1) and whose third
    checkpoint hits a full disk (or a read-only folder: as root, chmod cannot make one,
    so the write fails the way the kernel would, half-way through the file): the error
    names epoch_3.pth, no partial file is left, and epoch_2.pth (which mmengine's own
    hook removes before writing the next one) and last_checkpoint stay and resume."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    import mmengine.runner.runner as runner_module
    real_save = runner_module.save_checkpoint

    def failing_save(checkpoint, filename, *args, **kwargs):
        if 'epoch_3' in filename:
            with open(filename, 'wb') as f:
                f.write(b'\0' * 1000)
            raise OSError(err, os.strerror(err))
        return real_save(checkpoint, filename, *args, **kwargs)

    monkeypatch.setattr(runner_module, 'save_checkpoint', failing_save)
    cfg = Config.fromfile(VANILLA)
    cfg.work_dir = str(tmp_path)
    for loader, n in (('train_dataloader', 200), ('val_dataloader', 100)):
        cfg[loader].dataset.update(data_root=fmnist_root, num_samples=n)
        cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.train_cfg.max_epochs = 3
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    with pytest.raises(OSError, match=r"checkpoint '.*epoch_3.pth' could not be written "
                                      rf"\({os.strerror(err)}\); the earlier checkpoints"):
        Runner.from_cfg(cfg).train()
    assert sorted(p.name for p in tmp_path.glob('*.pth*')) == ['epoch_2.pth']
    assert not list(tmp_path.glob('.*.tmp'))
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_2.pth')
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    ckpt = torch.load(tmp_path / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['epoch'] == 2


def test_sigkill_while_saving_a_best_checkpoint_keeps_the_previous_best(tmp_path,
                                                                         fmnist_root):
    """A real run saves a new best checkpoint every epoch; it is killed while the second
    best is on its way to disk: the first best is still there, complete."""
    work = tmp_path / 'work'
    tmp_best = kill_while_writing(
        tmp_path, work, '.best_epoch_count_epoch_2.pth.tmp',
        hooks="dict(type='CheckpointPaddingHook'), dict(type='EpochMetricHook')",
        extra="default_hooks = dict(checkpoint=dict(save_best='epoch_count', "
              "rule='greater'))\n")
    assert tmp_best.exists(), 'the process was not caught writing its second best'
    assert not (work / 'best_epoch_count_epoch_2.pth').exists()
    ckpt = torch.load(work / 'best_epoch_count_epoch_1.pth', map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['epoch'] == 1 and 'state_dict' in ckpt


def test_a_training_set_without_a_batch_fails_naming_the_keys(tmp_path, fmnist_root):
    """10 samples in batches of 100 with drop_last=True: no batch at all. mmengine's loop
    would 'train' for 0 iterations and report success; ours refuses at once."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(VANILLA)
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.dataset.update(data_root=fmnist_root, num_samples=10)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, drop_last=True)
    cfg.val_dataloader.dataset.data_root = fmnist_root
    with pytest.raises(ValueError, match=r'train_dataloader gives no batch: 10 samples in '
                                         r'train_dataloader.dataset, batch_size=100, '
                                         r'drop_last=True'):
        Runner.from_cfg(cfg).train()
    from mmautomix.datasets import OfflineFashionMNIST
    with pytest.raises(ValueError, match='`num_samples`=0'):
        OfflineFashionMNIST(data_root=fmnist_root, num_samples=0)
