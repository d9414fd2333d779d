"""An epoch-based training loop that resumes exactly, also in the middle of an epoch.

mmengine's ``EpochBasedTrainLoop`` resumes at the start of the checkpoint's epoch: a
checkpoint written after iteration k of an epoch (``CheckpointHook(by_epoch=False)``)
makes the resumed run repeat the epoch's first k batches, and every generator restarts
from the seed. This loop, with ``SafeCheckpointHook`` (which saves the generators'
states, ``mmautomix.utils.rng``), continues as if never interrupted:

 * in the resumed epoch it draws and discards the k batches already trained on (the
   sampler's order is a function of seed and epoch), then
 * puts back the Python, numpy and torch generator states of the moment the checkpoint
   was written, so λ, the pairings and the augmentations of batch k + 1 are the ones
   the uninterrupted run drew (at an epoch boundary: before the epoch's data iterator
   is made, as in the uninterrupted run);
 * validation runs with the generators' states preserved, so it does not change the
   training run's random stream (the stream is the same whatever ``val_interval``, and
   a checkpoint written before validation resumes exactly).

Data workers: non-persistent ones (the default) are re-made every epoch from the seed,
so skipping the trained batches puts them where they were; a persistent worker's
generators live in its own process and cannot be saved, so with
``persistent_workers=True`` the augmentations after a resume differ.
Restoring the generators is bit-exact on one process; under DDP each rank > 0 has its
own generators, which the rank-0 checkpoint does not hold, so they are left as seeded
(data order, model, optimizer and schedules are still exact).
"""
from mmengine.runner import EpochBasedTrainLoop

from mmautomix.registry import LOOPS
from mmautomix.utils.rng import rng_preserved, set_rng_state


@LOOPS.register_module()
class ExactResumeEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` (same arguments) with the exact resume described above."""

    #: generator states to put back when training continues (set on resume)
    resume_rng_state = None

    def __init__(self, runner, dataloader, *args, **kwargs):
        super().__init__(runner, dataloader, *args, **kwargs)
        if len(self.dataloader) == 0:
            loader = self.dataloader
            raise ValueError(
                f'train_dataloader gives no batch: {len(loader.dataset)} samples in '
                f'train_dataloader.dataset, batch_size={loader.batch_size}, '
                f'drop_last={loader.drop_last}; expected at least one batch (a non-empty '
                'dataset, num_samples > 0, or drop_last=False)')

    def run(self):
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                with rng_preserved():
                    self.runner.val_loop.run()
        self.runner.call_hook('after_train')
        return self.runner.model

    def _restore_rng(self):
        if self.resume_rng_state is not None:
            set_rng_state(self.resume_rng_state)
            self.resume_rng_state = None

    def run_epoch(self):
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        # batches of this epoch trained before the checkpoint (> 0 only after a resume)
        done = max(self._iter - self._epoch * len(self.dataloader), 0)
        if not done:
            self._restore_rng()
        batches = iter(self.dataloader)
        for _ in range(done):
            next(batches)
        self._restore_rng()
        for idx, data_batch in enumerate(batches, start=done):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
