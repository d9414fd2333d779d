"""Which steps train the Mix Block: the official ``switch_off`` and our update interval.

The Mix Block's own branch costs a θ_k forward on x_mb and a backward through θ_k to
the Mix Block: a third of AutoMix's extra cost over Mixup. Two ways to run it less
often, each off by default (every step trains the Mix Block, as the official CNN
recipes do):

 * ``switch_off`` = s ∈ (0, 1] (official ``AutoMixup.switch_off``; its ViT recipes use
   0.8): on each step, after the masks are made, a uniform draw u (numpy's generator,
   as officially) skips the Mix Block's classification branch when u > s·c, i.e. with
   probability 1 − s·c; c is ``cos_annealing``, 1 unless changed (no official hook or
   released config changes it; c = 0 turns the test off, as in the official code). A
   skipped step runs no θ_k pass on x_mb and trains the Mix Block with its mask loss
   only (L_mask still reaches it, as officially); θ_q trains as usual.
 * ``interval`` = k ≥ 1 (ours): the Mix Block trains on every k-th step only (steps 0,
   k, 2k, ...). In between it only makes the masks: M_bb without its gradient, no
   M_mb, no θ_k pass on x_mb, no mask loss, no Mix Block backward, so its weights do
   not change; θ_q trains on masks from the current Mix Block.
"""
import numpy as np


class MixBlockUpdates:
    """The Mix Block's update rule of one model (see the module docstring).

    Args:
        switch_off (float): s in [0, 1]; 0 turns the draw off (every step trains).
        interval (int): k >= 1.
        cos_annealing (float): c, the scalar that multiplies s (1 unless annealed).
        keys (dict): the caller's names of ``switch_off`` and ``interval`` for errors.
    """

    def __init__(self, switch_off: float = 0.0, interval: int = 1,
                 cos_annealing: float = 1.0, keys=None):
        keys = dict(dict(switch_off='switch_off', interval='interval'), **(keys or {}))
        if isinstance(switch_off, bool) or not isinstance(switch_off, (int, float)) \
                or not 0 <= switch_off <= 1:
            raise ValueError(f'{keys["switch_off"]}={switch_off!r}: expected a float in '
                             '[0, 1] (0: the Mix Block trains on every step)')
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'{keys["interval"]}={interval!r}: expected an int >= 1 '
                             '(1: the Mix Block trains on every step)')
        self.switch_off = float(switch_off)
        self.interval = interval
        self.cos_annealing = float(cos_annealing)

    @property
    def always(self) -> bool:
        """True when every step trains the Mix Block in full (the faithful default)."""
        return self.switch_off == 0 and self.interval == 1

    def frozen(self, step: int) -> bool:
        """Whether step ``step`` (0-based) leaves the Mix Block untouched (interval)."""
        return step % self.interval != 0

    def switched_off(self) -> bool:
        """The official draw: True (skip the Mix Block's classification branch) with
        probability 1 − s·c; draws nothing when s is 0 or c is outside (0, 1]."""
        if self.switch_off > 0 and 0 < self.cos_annealing <= 1:
            return bool(np.random.rand() > self.switch_off * self.cos_annealing)
        return False
