"""mmengine's ``CheckpointHook`` with checkpoints that a crash or a full disk cannot lose.

mmengine writes ``epoch_N.pth``, ``best_*.pth`` and ``last_checkpoint`` in place, and
removes the oldest kept checkpoint (``max_keep_ckpts``) and the previous best *before*
writing the new one: a process killed, or a disk that fills up, during the write leaves
a truncated file, and with ``max_keep_ckpts=1`` no checkpoint at all. Here:

 * every checkpoint, best checkpoints included, is written to a hidden temporary file
   and renamed into place once complete (``mmautomix.utils.atomic_files``);
 * an older checkpoint (beyond ``max_keep_ckpts``, or the previous best) is removed
   only after the new one is in place;
 * ``last_checkpoint`` is only ever replaced atomically, after its checkpoint exists.

So at any moment the folder holds complete checkpoints only, and at least the last one
that was written completely. A write that fails raises an ``OSError`` naming the path,
removes its temporary file and keeps the earlier checkpoints. Everything else
(intervals, ``save_best`` rules, publishing) is mmengine's.

The hook's other jobs each live in their own module and are only called from here:
the torch >= 2.6 checkpoint loader (``mmautomix.utils.checkpoint``), the check of a
loaded checkpoint against the model (``mmautomix.utils.resume``) and the random
generators' states for an exact resume (``mmautomix.utils.rng``).
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmpretrain.utils import get_ori_model

from mmautomix.registry import HOOKS
from mmautomix.utils.atomic_files import (atomic_write_text, deferred_removals,
                                          write_then_rename)
from mmautomix.utils.checkpoint import register_checkpoint_loader
from mmautomix.utils.resume import check_loaded_checkpoint, is_resuming
from mmautomix.utils.rng import rng_state, set_resume_rng_state


class AtomicSaves:
    """The Runner as mmengine's best-checkpoint rules see it: every attribute is the
    Runner's own, except ``save_checkpoint``, which writes to a temporary file and
    renames it into place. (The Runner itself is left as it is.)"""

    def __init__(self, runner):
        self.runner = runner

    def __getattr__(self, name):
        return getattr(self.runner, name)

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        write_then_rename(
            lambda tmp: self.runner.save_checkpoint(out_dir, osp.basename(tmp), *args,
                                                    **kwargs),
            osp.join(out_dir, filename), is_main_process())


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) whose writes cannot lose a checkpoint.

    Besides: installs the checkpoint loader before anything is loaded; checks a loaded
    checkpoint against the model before mmengine's ``strict=False`` load puts it in
    (a resume refuses any difference, ``load_from`` a checkpoint of which nothing
    fits); stores the generators' states in each checkpoint (``meta.rng_state``) and
    gives them to a loop that can put them back on a resume."""

    def before_run(self, runner):
        register_checkpoint_loader()
        super().before_run(runner)

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint.setdefault('meta', {})['rng_state'] = rng_state()

    def after_load_checkpoint(self, runner, checkpoint):
        check_loaded_checkpoint(get_ori_model(runner.model), checkpoint, runner)
        if is_resuming(runner):
            set_resume_rng_state(runner, checkpoint)

    def _local(self):
        return self.file_backend.name == 'LocalBackend'

    def _save_checkpoint_with_step(self, runner, step, meta):
        """Write the new checkpoint, then remove the ones beyond ``max_keep_ckpts``,
        then point ``last_checkpoint`` at it."""
        if not self._local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        removed = []
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids
                                        or self.keep_ckpt_ids[-1] != step):
            # (a deque of maxlen max_keep_ckpts: the oldest goes when the newest comes)
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                removed.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)     # saved in this checkpoint's message hub
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        write_then_rename(
            lambda tmp: runner.save_checkpoint(
                self.out_dir, osp.basename(tmp), self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args),
            self.last_ckpt, is_main_process())
        if not is_main_process():
            return
        for old in removed:
            path = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if path != self.last_ckpt and osp.isfile(path):
                self.file_backend.remove(path)
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)

    def _save_best_checkpoint(self, runner, metrics):
        """mmengine's best-checkpoint rules, with the new best written atomically
        before the previous best is removed."""
        if not self._local() or not self.save_best:
            return super()._save_best_checkpoint(runner, metrics)
        with deferred_removals(self) as removals:
            super()._save_best_checkpoint(AtomicSaves(runner), metrics)
        kept = {getattr(self, 'best_ckpt_path', None),
                *getattr(self, 'best_ckpt_path_dict', {}).values()}
        removals.run(keep=kept)
