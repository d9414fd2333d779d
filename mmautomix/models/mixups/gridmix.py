"""GridMix: paste the paired image through a regular grid of rectangular holes.

"GridMix: Strong regularization through local context mapping", Baek et al., Pattern
Recognition 2021 (official code: github.com/IlyaDobrynin/GridMixup; the reference
tables use OpenMixup's version).

Per batch: λ ~ Beta(α, α); a crop of area ``cut_area_ratio``·HW and aspect ratio
``cut_aspect_ratio`` (each drawn uniformly from its range) is placed uniformly in the
image and tiled by ``n_holes`` patches across (an integer drawn from its range), of
aspect ``hole_aspect_ratio``; each patch has a hole whose sides are √(1−λ) of the
patch's (at least 1 pixel, at most the patch side − 1). x[index] shows through the
holes; M = 1 − holes weights x, and the label weight of x is λ' = mean(M), the area
actually kept, not the drawn λ.

Defaults are the reference configs' (n_holes 2-6, hole aspect 1, crop area 0.5-1, crop
aspect 0.5-2). Reported tables (docs/reported_results.md): α = 0.2 on CIFAR-10/100 and Tiny-ImageNet.

Differences from the official code: a crop taller or wider than the image (area · aspect
> 1) is clipped to the image (the official code slices from a negative start, which
drops the holes near that edge); more holes than half the crop width asks for are
reduced to that (the official code fails an assertion).
"""
import math
import random

import numpy as np
import torch

from mmautomix.registry import BATCH_AUGMENTS
from .mask_mix import AUGMENT_KEY, MaskMix


def _range(name, value, low, high, integer=False):
    """(lo, hi) from a number or a pair, each in [low, high]; ValueError naming ``name``."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    kind = int if integer else (int, float)
    ok = (len(pair) == 2 and all(isinstance(v, kind) and not isinstance(v, bool)
                                 for v in pair) and low <= pair[0] <= pair[1] <= high)
    if not ok:
        span = f'[{low}, {high}]' if high != math.inf else f'>= {low}'
        raise ValueError(f'{AUGMENT_KEY}.{name}={value!r}: expected a{"n int" if integer else ""} '
                         f'value or a (min, max) pair in {span}')
    return pair


def grid_holes(h: int, w: int, lam: float, n_holes: int, hole_aspect: float,
               cut_area: float, cut_aspect: float) -> torch.Tensor:
    """The H×W hole mask (1 = x[index] shows through)."""
    cut_w = int(np.sqrt(int(h * w * cut_area) / cut_aspect))
    cut_h = int(cut_w * cut_aspect)
    cut_w, cut_h = max(min(cut_w, w), 2), max(min(cut_h, h), 1)
    x0 = int((w - cut_w) * np.random.random())
    y0 = int((h - cut_h) * np.random.random())
    n_holes = min(n_holes, cut_w // 2)
    patch_w = math.ceil(cut_w / n_holes)
    patch_h = max(int(patch_w * hole_aspect), 1)
    ratio = np.sqrt(1 - lam)
    hole_w = min(max(int(patch_w * ratio), 1), patch_w - 1)
    hole_h = min(max(int(patch_h * ratio), 1), patch_h - 1)
    xs = torch.arange(cut_w)
    ys = torch.arange(cut_h)
    cols = (xs % patch_w) < hole_w
    rows = (ys % patch_h) < hole_h
    mask = torch.zeros(h, w)
    mask[y0:y0 + cut_h, x0:x0 + cut_w] = (rows.view(-1, 1) & cols.view(1, -1)).float()
    return mask


@BATCH_AUGMENTS.register_module()
class GridMix(MaskMix):
    """GridMix batch augment (see the module docstring).

    Args:
        alpha (float): α of λ ~ Beta(α, α). Reference tables: 0.2.
        n_holes (int | (int, int)): patches across the crop, >= 1.
        hole_aspect_ratio (float | (float, float)): patch height / width, > 0.
        cut_area_ratio (float | (float, float)): crop area / image area, in (0, 1].
        cut_aspect_ratio (float | (float, float)): crop height / width, > 0.
    """
    method = 'GridMix'

    def __init__(self, alpha: float = 1.0, n_holes=(2, 6), hole_aspect_ratio=1.0,
                 cut_area_ratio=(0.5, 1.0), cut_aspect_ratio=(0.5, 2.0)):
        super().__init__(alpha)
        self.n_holes = _range('n_holes', n_holes, 1, math.inf, integer=True)
        self.hole_aspect_ratio = _range('hole_aspect_ratio', hole_aspect_ratio, 1e-6, math.inf)
        self.cut_area_ratio = _range('cut_area_ratio', cut_area_ratio, 1e-6, 1.0)
        self.cut_aspect_ratio = _range('cut_aspect_ratio', cut_aspect_ratio, 1e-6, math.inf)

    def sample_mask(self, x, x_j, lam):
        h, w = x.shape[-2:]
        holes = grid_holes(h, w, lam,
                           random.randint(*self.n_holes),
                           np.random.uniform(*self.hole_aspect_ratio),
                           np.random.uniform(*self.cut_area_ratio),
                           np.random.uniform(*self.cut_aspect_ratio))
        mask = 1 - holes
        return mask.view(1, 1, h, w), float(mask.mean())
