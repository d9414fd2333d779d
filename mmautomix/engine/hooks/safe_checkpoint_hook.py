"""Checkpoints that a crash cannot corrupt: write to a temporary file, then rename.

mmengine's ``CheckpointHook`` writes ``epoch_N.pth`` in place, so a process killed (or a
disk filled) while it writes leaves a truncated file under the final name. Here each
checkpoint is written as ``.epoch_N.pth.tmp`` in the same folder, flushed to disk and
renamed into place (``os.replace`` is atomic on one filesystem), and ``last_checkpoint``
is replaced the same way: at any moment every ``*.pth`` and ``last_checkpoint`` are
complete. A failed write (no space, read-only folder) raises an ``OSError`` naming the
path, removes its temporary file and leaves the earlier checkpoints as they were.
Everything else (intervals, ``max_keep_ckpts``, ``save_best``, publishing) is mmengine's.
``tools/train.py --resume`` skips an unreadable newest checkpoint for the previous good
one (``mmautomix.utils.find_resumable_checkpoint``).
"""
import os
import os.path as osp

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import CheckpointHook
from mmpretrain.utils import get_ori_model

from mmautomix.registry import HOOKS
from mmautomix.utils.checkpoint import register_checkpoint_loader
from mmautomix.utils.resume import check_checkpoint_fits, check_load_from, is_resuming
from mmautomix.utils.rng import rng_state


def _atomic_write_text(path: str, text: str) -> None:
    tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose files are written to a temporary name and renamed.

    Before the run (and so before ``load_from``/``resume``) it installs the torch >= 2.6
    loader of ``mmautomix.utils.checkpoint``, so the checkpoints it writes load again.
    Each checkpoint also holds the random generators' states (``meta.rng_state``); on a
    resume they go to a loop that can use them (``ExactResumeEpochBasedTrainLoop``).

    A checkpoint being loaded is checked against the model before mmengine's
    ``strict=False`` load puts it in: a resume refuses any missing, unexpected or
    reshaped tensor (``check_checkpoint_fits``); ``load_from`` refuses a checkpoint of
    which nothing fits and warns how much of the model keeps its initialisation
    (``check_load_from``)."""

    def before_run(self, runner):
        register_checkpoint_loader()
        super().before_run(runner)

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint.setdefault('meta', {})['rng_state'] = rng_state()

    def after_load_checkpoint(self, runner, checkpoint):
        path = getattr(runner, '_load_from', None) or f'the newest in {runner.work_dir}'
        check = check_checkpoint_fits if is_resuming(runner) else check_load_from
        check(get_ori_model(runner.model), checkpoint, path)
        state = checkpoint.get('meta', {}).get('rng_state')
        loop = runner.train_loop if is_resuming(runner) else None
        if state is not None and hasattr(loop, 'resume_rng_state') \
                and get_world_size() == 1:
            loop.resume_rng_state = state

    def _save_checkpoint_with_step(self, runner, step, meta):
        if self.file_backend.name != 'LocalBackend':
            return super()._save_checkpoint_with_step(runner, step, meta)
        save = runner.save_checkpoint

        def save_then_rename(out_dir, filename, *args, **kwargs):
            final, tmp = osp.join(out_dir, filename), osp.join(out_dir, f'.{filename}.tmp')
            try:
                save(out_dir, osp.basename(tmp), *args, **kwargs)
                if is_main_process():
                    with open(tmp, 'rb') as f:
                        os.fsync(f.fileno())
                    os.replace(tmp, final)
            except OSError as err:
                if osp.exists(tmp):
                    os.remove(tmp)
                raise OSError(err.errno, f'checkpoint {final!r} could not be written '
                              f'({err.strerror or err}); the earlier checkpoints in '
                              f'{out_dir!r} are kept') from err

        runner.save_checkpoint = save_then_rename     # this call only
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            del runner.save_checkpoint
        if is_main_process():   # the parent wrote it in place; rewrite it atomically
            _atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
