"""What the hand-crafted mixups of this package share: mix a pair with a pixel mask.

Every method here draws (or is given) λ and a pairing ``index`` (sample i is mixed with
sample index[i]), builds a mask M ∈ [0, 1]^{H×W} that weights the first image, and
returns

    x̃ = M ⊙ x + (1 − M) ⊙ x[index],     ỹ = λ' y + (1 − λ') y[index]

where λ' is the share of x's pixels in x̃ (the mean of M) as each method defines it.
The classes are mmpretrain batch augments: ``model.train_cfg.augments=dict(type=...)``
hands them the normalised batch and its one-hot scores, exactly like mmpretrain's
``Mixup`` and ``CutMix``.
"""
from typing import Optional, Tuple

import numpy as np
import torch

from mmautomix.core.mixing import mixed_target, permutation

__all__ = ['AUGMENT_KEY', 'MaskMix', 'check_alpha', 'check_positive', 'check_probability',
           'permutation']


def check_positive(name: str, value, what: str = 'a float > 0') -> float:
    """``value`` as a float, or a ValueError naming the config key ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f'{name}={value!r}: expected {what}')
    return float(value)


AUGMENT_KEY = 'model.train_cfg.augments'


def check_probability(name: str, value) -> float:
    """``value`` as a float in [0, 1], or a ValueError naming the config key ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f'{name}={value!r}: expected a probability in [0, 1]')
    return float(value)


def check_alpha(alpha, key: str, method: str) -> float:
    return check_positive(key, alpha, f'a float > 0 (λ ~ Beta(alpha, alpha) of {method})')


class MaskMix:
    """Base of the mask-based batch augments (see the module docstring).

    Subclasses implement :meth:`sample_mask`; ``alpha`` is α of λ ~ Beta(α, α).
    """
    method = ''
    no_repeat = False

    def __init__(self, alpha: float):
        self.alpha = check_alpha(alpha, f'{AUGMENT_KEY}.alpha', self.method)

    def sample_mask(self, x: torch.Tensor, x_j: torch.Tensor,
                    lam: float) -> Tuple[torch.Tensor, float]:
        """Return (M, λ'): M of shape (1 or N)×1×H×W weighting ``x``, and the label
        weight λ' of ``x``. ``x_j`` is the paired batch ``x[index]``."""
        raise NotImplementedError

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor,
            lam: Optional[float] = None, index: Optional[torch.Tensor] = None):
        """Mixed inputs and scores; ``lam``/``index`` fix the draw (pictures, tests)."""
        if batch_inputs.dim() != 4:
            raise ValueError(f'{type(self).__name__} expects images N×C×H×W, got shape '
                             f'{tuple(batch_inputs.shape)}')
        n = batch_inputs.size(0)
        if lam is None:
            lam = float(np.random.beta(self.alpha, self.alpha))
        if index is None:
            index = permutation(n, batch_inputs.device, self.no_repeat)
        x_j = batch_inputs[index]
        mask, lam = self.sample_mask(batch_inputs, x_j, lam)
        mask = mask.to(batch_inputs)
        mixed = batch_inputs * mask + x_j * (1 - mask)
        identity = torch.arange(n, device=index.device)
        return mixed, mixed_target(batch_scores, (identity, index), (lam, 1 - lam))

    def __call__(self, batch_inputs: torch.Tensor, batch_score: torch.Tensor):
        if batch_score.dim() != 2:
            raise ValueError(f'{type(self).__name__}: expected one-hot scores (N, '
                             f'num_classes), got shape {tuple(batch_score.shape)}; set '
                             'model.data_preprocessor.num_classes')
        return self.mix(batch_inputs, batch_score.float())
