"""TransMix's label (Chen et al., "TransMix: Attend to Mix for Vision Transformers",
CVPR 2022), in plain PyTorch.

A batch mixed by CutMix pastes a box of image B = x[index] into image A = x. TransMix
labels it by where the vision transformer looks: with a the class token's attention
over the patch tokens in the last attention layer (softmax(q_cls kᵀ / √d), averaged
over the heads, computed on the mixed images in the same forward pass and without a
gradient) and m the box at the patch grid (1 on B's patches),

    λ_attn = Σ_p a_p m_p / Σ_p a_p          (B's share of the attention)

and B's label weight is

    λ_B = (λ_area + λ_attn) / 2   ('official': the official code's rule)
    λ_B = λ_attn                  ('paper': the rule the paper states)

with λ_area the box's share of the image; the mixed target is (1 − λ_B) y_A + λ_B y_B.
A batch mixed by Mixup keeps Mixup's label. The official code averages the two
(``lam = (lam0 + lam1) / 2``), so that is the default; the paper's rule is the named
option. The box at the patch grid is the official one: the pixel mask of the box,
downsampled to the grid by nearest-neighbour interpolation.
"""
from typing import Sequence

import torch
import torch.nn.functional as F

LABEL_RULES = ('official', 'paper')


def box_at_patch_grid(box: Sequence[int], image_size: Sequence[int],
                      grid: Sequence[int]) -> torch.Tensor:
    """m ∈ {0, 1}^{h·w}: the pixel mask of ``box`` = (y_low, y_high, x_low, x_high) in
    an image of ``image_size`` (H, W), downsampled to the patch ``grid`` (h, w) by
    nearest-neighbour interpolation, flattened in the tokens' (row-major) order."""
    yl, yh, xl, xh = box
    mask = torch.zeros(1, 1, *image_size)
    mask[..., yl:yh, xl:xh] = 1
    return F.interpolate(mask, size=tuple(grid), mode='nearest').flatten()


def transmix_lambda(attention: torch.Tensor, box_patches: torch.Tensor, area: float,
                    rule: str = 'official') -> torch.Tensor:
    """λ_B per sample (N,): the label weight of the pasted image B from the attention
    a (N × P), B's patches m (P,) and B's share of the pixels λ_area (see the module
    docstring)."""
    if rule not in LABEL_RULES:
        raise ValueError(f'label_rule={rule!r}: expected one of {LABEL_RULES}')
    share = attention_share(attention, box_patches)
    return share if rule == 'paper' else (area + share) / 2


def attention_share(attention: torch.Tensor, patches: torch.Tensor) -> torch.Tensor:
    """Σ_p a_p m_p / Σ_p a_p per sample: the share of the attention a (N × P) that falls
    on the patches m (P or N × P, 1 on the patches of the image counted)."""
    m = patches.to(attention)
    return (attention * m).sum(dim=1) / attention.sum(dim=1)
