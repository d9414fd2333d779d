"""TokenMix as an mmpretrain batch augment for vision transformers (``core/tokenmix.py``:
the token masks and the teacher's label; ``tokenmix_teacher.py``: the teacher's maps).

Per batch, as the official ``Mixup`` of TokenMix: with probability ``switch_prob`` a
TokenMix batch, otherwise a Mixup batch with λ ~ Beta(``mixup_alpha``, same); the pair of
image i is image N − 1 − i (the batch reversed). On a TokenMix batch λ is drawn from
Beta(``cutmix_alpha``, same) and then replaced, as officially, by the constant 0.5 the
masked count is made of; the mask over the image's ``patch_size``-pixel token grid is
upsampled to the pixels, the masked tokens show the paired image, and each image's label
weight is the share of tokens it keeps (teacher-free, the default) or, with
``teacher=dict(config=..., checkpoint=...)``, the share of the teacher's map of its class
that it contributes (the paper's method).
"""
import numpy as np
import torch

from mmautomix.core.tokenmix import (MASK_TYPES, block_token_mask, masked_token_count,
                                     random_token_mask, teacher_label_weights)
from mmautomix.registry import BATCH_AUGMENTS
from .mask_mix import AUGMENT_KEY, check_alpha, check_probability
from .tokenmix_teacher import build_teacher, class_maps


@BATCH_AUGMENTS.register_module()
class TokenMix:
    """TokenMix batch augment (see the module docstring).

    Args:
        mixup_alpha (float): α of the Mixup batches (DeiT's 0.8).
        cutmix_alpha (float): α of the draw a TokenMix batch makes and replaces (1.0).
        switch_prob (float): the probability of a TokenMix batch (DeiT's 0.5).
        patch_size (int): the ViT's patch size: the token grid the mask is made on.
        mask_type (str): 'block' (the official default) or 'random'.
        minimum_tokens (int): tokens masked beyond half the grid (official: 14).
        teacher (dict, optional): dict(config=PATH, checkpoint=PATH) of a classifier
            whose class maps label TokenMix batches (``tokenmix_teacher.py``); None
            labels by the kept share of tokens.
    """

    def __init__(self, mixup_alpha: float = 0.8, cutmix_alpha: float = 1.0,
                 switch_prob: float = 0.5, patch_size: int = 16, mask_type: str = 'block',
                 minimum_tokens: int = 14, teacher=None):
        self.mixup_alpha = check_alpha(mixup_alpha, f'{AUGMENT_KEY}.mixup_alpha', 'Mixup')
        self.cutmix_alpha = check_alpha(cutmix_alpha, f'{AUGMENT_KEY}.cutmix_alpha',
                                        'TokenMix')
        switch_prob = check_probability(f'{AUGMENT_KEY}.switch_prob', switch_prob)
        if isinstance(patch_size, bool) or not isinstance(patch_size, int) or patch_size < 1:
            raise ValueError(f'{AUGMENT_KEY}.patch_size={patch_size!r}: expected the ViT\'s '
                             'patch size in pixels (an int >= 1)')
        if mask_type not in MASK_TYPES:
            raise ValueError(f'{AUGMENT_KEY}.mask_type={mask_type!r}: expected one of '
                             f'{MASK_TYPES}')
        if isinstance(minimum_tokens, bool) or not isinstance(minimum_tokens, int) \
                or minimum_tokens < 0:
            raise ValueError(f'{AUGMENT_KEY}.minimum_tokens={minimum_tokens!r}: expected '
                             'an int >= 0')
        self.switch_prob, self.patch_size = float(switch_prob), patch_size
        self.mask_type, self.minimum_tokens = mask_type, minimum_tokens
        self.teacher = build_teacher(teacher) if teacher is not None else None
        self.last_mask = None    # the last TokenMix batch's token mask (pictures, tests)

    def token_mask(self, height: int, width: int) -> torch.Tensor:
        """M over the token grid of an ``height`` × ``width`` image (1: the paired
        image's token)."""
        p = self.patch_size
        if height % p or width % p:
            raise ValueError(f'{AUGMENT_KEY}.patch_size={p}: the {height}x{width} images '
                             f'are not a whole number of {p}-px tokens; expected the ViT\'s '
                             'patch size, which divides the image size')
        h, w = height // p, width // p
        count = masked_token_count(h * w, self.minimum_tokens)
        make = block_token_mask if self.mask_type == 'block' else random_token_mask
        return torch.from_numpy(make(h, w, count))

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor):
        index = torch.arange(batch_inputs.size(0) - 1, -1, -1, device=batch_inputs.device)
        use_tokens = bool(np.random.rand() < self.switch_prob)
        alpha = self.cutmix_alpha if use_tokens else self.mixup_alpha
        lam = float(np.random.beta(alpha, alpha))
        if use_tokens:
            mask = self.token_mask(*batch_inputs.shape[-2:])
            self.last_mask = mask
            pixels = mask.repeat_interleave(self.patch_size, 0).repeat_interleave(
                self.patch_size, 1).to(batch_inputs)
            mixed = batch_inputs * (1 - pixels) + batch_inputs[index] * pixels
            if self.teacher is not None:
                maps = class_maps(self.teacher.to(batch_inputs.device), batch_inputs,
                                  batch_scores.argmax(dim=1), mask.shape)
                w_a, w_b = teacher_label_weights(maps, mask.to(maps.device))
                return mixed, w_a[:, None] * batch_scores + w_b[:, None] * batch_scores[index]
            lam = 1 - float(mask.float().mean())
        else:
            mixed = lam * batch_inputs + (1 - lam) * batch_inputs[index]
        return mixed, lam * batch_scores + (1 - lam) * batch_scores[index]

    def __call__(self, batch_inputs: torch.Tensor, batch_score: torch.Tensor):
        if batch_score.dim() != 2:
            raise ValueError(f'TokenMix: expected one-hot scores (N, num_classes), got '
                             f'shape {tuple(batch_score.shape)}; set '
                             'model.data_preprocessor.num_classes')
        return self.mix(batch_inputs, batch_score.float())
