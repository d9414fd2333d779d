"""MixPro's MaskMix and progressive attention labeling (Zhao et al., "MixPro: Data
Augmentation with MaskMix and Progressive Attention Labeling for Vision Transformer",
ICLR 2023), in plain PyTorch.

**MaskMix.** The image is cut into a g × g grid of square mask patches of ``s`` pixels
(a multiple of the ViT's patch size, so every mask patch covers whole tokens). With
ρ ~ Beta(α, α) drawn once per batch, each image keeps its own ⌈ρ g²⌉ mask patches,
chosen uniformly without replacement per image (numpy's generator, as officially), and
takes the rest from its pair: x̃ = M ⊙ x_A + (1 − M) ⊙ x_B. A's label weight is the
kept share λ_area = ⌈ρ g²⌉ / g².

**Progressive attention labeling (PAL).** With a the class token's attention over the
patch tokens (``core/transmix.py``), A's attention share λ_attn = Σ a M / Σ a, and
s = cos(ỹ, softmax(z)) the cosine similarity between the MaskMix target ỹ (with the
label smoothing of the recipe) and the model's prediction on x̃,

    λ = s λ_attn + (1 − s) λ_area,   L = λ CE(z, y_A) + (1 − λ) CE(z, y_B)

(mean over the batch): the more the model already agrees with the area label, the
more its own attention decides the label. As in the official code s is not detached,
so the loss's gradient also reaches the prediction through λ.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F


def maskmix_masks(batch: int, grid: int, ratio: float) -> np.ndarray:
    """M ∈ {0, 1}^{N × g × g}: per image, ⌈ratio · g²⌉ mask patches drawn without
    replacement (1: the image keeps its own pixels there)."""
    count = int(math.ceil(grid * grid * ratio))
    masks = np.zeros((batch, grid * grid), dtype=np.int64)
    for i in range(batch):
        masks[i, np.random.permutation(grid * grid)[:count]] = 1
    return masks.reshape(batch, grid, grid)


def upsample_mask(masks: torch.Tensor, factor: int) -> torch.Tensor:
    """Each mask patch repeated ``factor`` × ``factor`` times (to tokens or pixels)."""
    return masks.repeat_interleave(factor, dim=-2).repeat_interleave(factor, dim=-1)


def progressive_lambda(lam_attn: torch.Tensor, lam_area: torch.Tensor,
                       similarity: torch.Tensor) -> torch.Tensor:
    """λ = s λ_attn + (1 − s) λ_area (see the module docstring)."""
    return similarity * lam_attn + (1 - similarity) * lam_area


def pal_loss(logits: torch.Tensor, target: torch.Tensor, labels_a: torch.Tensor,
             labels_b: torch.Tensor, lam_attn: torch.Tensor,
             lam_area: torch.Tensor) -> torch.Tensor:
    """PAL's loss: the mean of λ CE(z, y_A) + (1 − λ) CE(z, y_B) with λ progressive."""
    sim = F.cosine_similarity(target.to(logits), F.softmax(logits, dim=-1), dim=1)
    lam = progressive_lambda(lam_attn.to(logits), lam_area, sim)
    ce_a = F.cross_entropy(logits, labels_a, reduction='none')
    ce_b = F.cross_entropy(logits, labels_b, reduction='none')
    return (lam * ce_a + (1 - lam) * ce_b).mean()
