"""The training state of an AutoMix-family model, kept in its state dict.

The update clock (``applied_steps``), θ_k's EMA count and momentum m (``ema_steps``,
``momentum``), η (``mask_loss_weight``) and the skip rule's counters are plain Python
numbers while training (reading them never waits for a device). A checkpoint carries
them in the buffer ``step_state``: written from the attributes whenever the state dict
is taken, read back into them whenever one that holds it is loaded, so a checkpoint
restores them by itself, with any loader. The buffer holds the values as float64 bytes
(exact for every count below 2^53 and for every float, on every device: MPS has no
float64 tensors).

A Runner that starts from a checkpoint without resuming it (``load_from``) starts the
schedules afresh: the AutoMix hooks drop ``step_state`` from such a checkpoint before it
is loaded (:func:`keep_step_state_only_when_resuming`).

Why not mmengine's ``ExponentialMovingAverage`` or mmpretrain's ``CosineEMA`` for θ_k:
they average a whole copy of the model, buffers included or all left to the source,
while θ_k averages θ_q's parameters only and keeps BN statistics of its own (updated
by its own passes on x and x_mb), and its momentum follows the official schedule of
optimizer updates, not theirs of iterations.
"""
import numpy as np
import torch

from mmautomix.utils.resume import is_resuming

#: the attributes ``step_state`` carries, in its order
STATE_FIELDS = ('applied_steps', 'ema_steps', 'nonfinite_steps', 'single_sample_batches',
                'momentum', 'mask_loss_weight')
_INTS = {'applied_steps', 'ema_steps', 'nonfinite_steps', 'single_sample_batches'}
BUFFER = 'step_state'


def _write(module, prefix, keep_vars):
    values = np.array([float(getattr(module, k)) for k in STATE_FIELDS], dtype='<f8')
    getattr(module, BUFFER).copy_(torch.from_numpy(values.view(np.uint8)))


def _read(module, incompatible_keys):
    missing = [k for k in incompatible_keys.missing_keys
               if k == BUFFER or k.endswith('.' + BUFFER)]
    if missing:   # a checkpoint without it: the attributes stay as they are
        for k in missing:
            incompatible_keys.missing_keys.remove(k)
        return
    raw = getattr(module, BUFFER).detach().cpu().numpy().tobytes()
    for k, v in zip(STATE_FIELDS, np.frombuffer(raw, dtype='<f8')):
        setattr(module, k, int(v) if k in _INTS else float(v))


def register_step_state(model: torch.nn.Module) -> None:
    """Give ``model`` the ``step_state`` buffer and the state-dict hooks that keep it."""
    model.register_buffer(BUFFER, torch.zeros(8 * len(STATE_FIELDS), dtype=torch.uint8))
    model.register_state_dict_pre_hook(_write)
    model.register_load_state_dict_post_hook(_read)


def keep_step_state_only_when_resuming(runner, checkpoint: dict) -> None:
    """A hook's ``after_load_checkpoint`` (it runs before the weights are loaded): a
    checkpoint loaded without resuming (``load_from``) leaves the training state as
    the constructor set it."""
    if not is_resuming(runner):
        checkpoint.get('state_dict', {}).pop(BUFFER, None)
