"""SmoothMix: paste the paired image through a Gaussian window.

"SmoothMix: a Simple Yet Effective Data Augmentation to Train Robust Classifiers",
Lee et al., CVPR Workshops 2020 (the reference tables use OpenMixup's version).

Per batch: a Gaussian window g(p) = exp(−‖p − c‖² / 2σ²) with its centre c uniform over
the image's pixel grid and σ ~ U(0.25, 0.5)·H; x[index] enters with weight g, x with
M = 1 − g, and the label weight of x is λ = mean(M). The method draws no λ from a Beta
distribution: the official code samples one and then overwrites it with the window's
mean, so the α column of the reference tables has no effect for SmoothMix and this
class takes no α.

Difference from OpenMixup: OpenMixup gives the window's mean, i.e. x[index]'s pixel
share, to x's label (label weights swapped against the pixel weights). We give each
label its image's pixel share; ``official_label_weights=True`` reproduces OpenMixup.
"""
import numpy as np
import torch

from mmautomix.registry import BATCH_AUGMENTS
from .mask_mix import AUGMENT_KEY, MaskMix


def gaussian_window(h: int, w: int) -> torch.Tensor:
    """g ∈ (0, 1]^{h×w}: centre offsets and σ drawn as in the official code."""
    def offset(n):  # official: int(randint(0, n) - n / 2), centre (2n − 1)/2 − n//2 + r
        return (2 * n - 1) / 2 - n // 2 + int(np.random.randint(0, n) - n / 2)
    cy, cx = offset(h), offset(w)
    sigma = (np.random.rand() / 4 + 0.25) * h
    ys = torch.arange(h, dtype=torch.float32).view(-1, 1)
    xs = torch.arange(w, dtype=torch.float32).view(1, -1)
    return torch.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * sigma ** 2))


@BATCH_AUGMENTS.register_module()
class SmoothMix(MaskMix):
    """SmoothMix batch augment (see the module docstring).

    Args:
        official_label_weights (bool): give x's label the window's mean (OpenMixup's
            assignment) instead of x's pixel share.
    """
    method = 'SmoothMix'

    def __init__(self, official_label_weights: bool = False):
        self.official_label_weights = bool(official_label_weights)

    def mix(self, batch_inputs, batch_scores, lam=None, index=None):
        if lam is not None:
            raise ValueError(f'{AUGMENT_KEY}: SmoothMix takes no λ; its λ is the mean of '
                             'its Gaussian window')
        return super().mix(batch_inputs, batch_scores, lam=0.5, index=index)

    def sample_mask(self, x, x_j, lam):
        h, w = x.shape[-2:]
        mask = 1 - gaussian_window(h, w)
        lam = float(mask.mean())
        if self.official_label_weights:
            lam = 1 - lam
        return mask.view(1, 1, h, w), lam
