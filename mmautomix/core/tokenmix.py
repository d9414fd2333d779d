"""TokenMix's token masks (Liu et al., "TokenMix: Rethinking Image Mixing for Data
Augmentation in Vision Transformers", ECCV 2022), in plain PyTorch and numpy.

TokenMix replaces CutMix's one box by a set of whole tokens of the ViT's patch grid. On
a TokenMix batch the official code ignores the drawn λ: it masks
n = min(T, ⌊0.5 T⌋ + ``minimum_tokens``) of the T tokens (14 extra by default), which
then show the paired image, either as a few random blocks ('block', BEiT's block-wise
masking: rectangles of random area and aspect ratio in [0.3, 1/0.3], added while they
cover new tokens, until n are covered) or as n scattered tokens ('random'). The
teacher-free label weights the two labels by the tokens each image keeps:
λ_A = 1 − n_masked / T. With a teacher (the paper's full method) each image's label
weight is the share of the teacher's map of its class that the image contributes: with
m̂_i the map of image i's class at the token grid, normalised to sum 1 over the tokens,

    w_A = Σ_t (1 − M_t) m̂_A(t),   w_B = Σ_t M_t m̂_B(t),   target = w_A y_A + w_B y_B

(not renormalised: w_A + w_B < 1 when the pasted tokens hold less of B's object than
the covered ones held of A's, as in the official code).
"""
import math
import random

import numpy as np
import torch

MASK_TYPES = ('block', 'random')


def masked_token_count(num_tokens: int, minimum_tokens: int, lam: float = 0.5) -> int:
    """n = min(T, ⌊(1 − λ) T⌋ + minimum_tokens), λ the official constant 0.5."""
    return min(num_tokens, int((1 - lam) * num_tokens) + minimum_tokens)


def block_token_mask(height: int, width: int, count: int, min_aspect: float = 0.3,
                     min_block: int = 1) -> np.ndarray:
    """M ∈ {0, 1}^{h×w} (1: the paired image's token) made of random blocks, as the
    official ``generate_mask`` (Python's ``random``): each try picks an area in
    [min_block, tokens still to mask] and an aspect ratio, and a block that adds at
    least one new token (and no more than are still to mask) is kept; it stops when
    ``count`` tokens are masked or ten tries in a row add none."""
    mask = np.zeros((height, width), dtype=np.int64)
    log_aspect = (math.log(min_aspect), math.log(1 / min_aspect))
    done = 0
    while done < count:
        room = min(count - done, height * width)
        added = 0
        for _ in range(10):
            area = random.uniform(min_block, room)
            aspect = math.exp(random.uniform(*log_aspect))
            h = int(round(math.sqrt(area * aspect)))
            w = int(round(math.sqrt(area / aspect)))
            if w < width and h < height:
                top, left = random.randint(0, height - h), random.randint(0, width - w)
                new = h * w - mask[top:top + h, left:left + w].sum()
                if 0 < new <= room:
                    mask[top:top + h, left:left + w] = 1
                    added = int(new)
            if added > 0:
                break
        if added == 0:
            break
        done += added
    return mask


def random_token_mask(height: int, width: int, count: int) -> np.ndarray:
    """M with ``count`` tokens drawn uniformly without replacement (numpy's
    generator), as the official ``generate_mask_random``."""
    mask = np.zeros(height * width, dtype=np.int64)
    mask[np.random.permutation(height * width)[:count]] = 1
    return mask.reshape(height, width)


def teacher_label_weights(class_maps: torch.Tensor, mask: torch.Tensor):
    """(w_A, w_B) per image from the teacher's maps of each image's own class at the
    token grid (N × h × w, non-negative) and the token mask M (h × w, 1: the paired
    image's token; pairs: the batch reversed). See the module docstring."""
    maps = class_maps / (class_maps.sum(dim=(1, 2), keepdim=True) + 1e-8)
    m = mask.to(maps)
    return (maps * (1 - m)).sum(dim=(1, 2)), (maps.flip(0) * m).sum(dim=(1, 2))
