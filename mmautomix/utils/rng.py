"""The state of every random generator a training step draws from, to save and restore.

AutoMix draws λ from numpy's global generator, the pairings (and dropout, drop-path)
from torch's, the Mix Block's upsampling mode from Python's; the data pipeline draws
from all three when it runs in the main process.
"""
import random
from contextlib import contextmanager

import numpy as np
import torch


def rng_state() -> dict:
    """Python's, numpy's and torch's (CPU and every CUDA device's) generator states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Put back what :func:`rng_state` returned."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@contextmanager
def rng_preserved():
    """Run a block (e.g. validation) without changing any generator's state."""
    state = rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def set_resume_rng_state(runner, checkpoint: dict) -> None:
    """Give the generator states a resumed checkpoint holds (``meta.rng_state``) to
    the training loop, which puts them back where the run stopped; only a loop that
    can (``resume_rng_state``, see ``ExactResumeEpochBasedTrainLoop``) and only on
    one process (under DDP the checkpoint holds rank 0's states alone)."""
    from mmengine.dist import get_world_size
    state = checkpoint.get('meta', {}).get('rng_state')
    loop = runner.train_loop
    if state is not None and hasattr(loop, 'resume_rng_state') and get_world_size() == 1:
        loop.resume_rng_state = state
