"""SMMix as an mmpretrain classifier for vision transformers (``core/smmix.py``: the
region swap, the token means and the consistency loss).

One training step, as the official code (its ``SMMix`` mixup function and
``train_one_epoch``): with probability ``switch_prob`` the batch is mixed by SMMix,
otherwise by Mixup (λ ~ Beta(α, α), the batch reversed as pairing, the head's loss on
Mixup's label). An SMMix batch

1. goes once through the model in evaluation mode without a gradient (the
   self-motivating pass): its logits z⁰ and the attention each patch token receives in
   the layer ``attention_layer``;
2. draws the window side s uniformly from the integers [⌊g r_min⌋, ⌊g r_max⌋] of the
   g × g token grid and replaces each image's least attended s × s window with its
   pair's most attended one; λ = 1 − s²/g²;
3. goes through the model in training mode; the loss is the head's loss on
   λ y_A + (1 − λ) y_B, plus ½ the head's loss of the token head on the mean of A's
   and of B's normalised image tokens against y_A and y_B, plus the KL consistency with
   the clean logits mixed by λ.

The head's loss module is the recipe's criterion for all three cross-entropy terms (the
official code passes each through the same ``SoftTargetCrossEntropy``), so label smoothing
in the head's loss smooths the fine-grained targets too. The token head is a linear layer
of its own, as officially (the authors found sharing the class head makes no difference);
it is trained on SMMix batches only, so DDP needs ``find_unused_parameters=True``.
"""
from typing import List

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models import ImageClassifier

from mmautomix.core.smmix import consistency_loss, masked_token_mean, swap_regions
from mmautomix.registry import MODELS, our_scope
from .mask_mix import check_alpha, check_probability
from .targets import check_no_batch_augments, check_soft_loss, set_mixed_scores
from .transmix import AttentionReader, patch_grid


@MODELS.register_module()
class SMMix(AttentionReader, ImageClassifier):
    """SMMix classifier (see the module docstring).

    Args:
        switch_prob (float): the probability of an SMMix batch (the rest are Mixup).
            Official: 0.5.
        mixup_alpha (float): α of Mixup's λ. Official (DeiT's): 0.8.
        min_side_ratio, max_side_ratio (float): r_min, r_max: the window side is drawn
            from the integers [⌊g r_min⌋, ⌊g r_max⌋]. Official: 0.25, 0.75 (3 to 10
            tokens on DeiT's 14 × 14 grid).
        attention_layer (int): the transformer layer whose attention chooses the
            windows (−1, the last, as officially).
        backbone, head, ...: as ``ImageClassifier``; the backbone a ViT with a class
            token, the head's loss one that takes soft targets.
    """

    def __init__(self, backbone: dict, head: dict, switch_prob: float = 0.5,
                 mixup_alpha: float = 0.8, min_side_ratio: float = 0.25,
                 max_side_ratio: float = 0.75, attention_layer: int = -1, **kwargs):
        check_no_batch_augments(kwargs.get('train_cfg'), 'SMMix')
        check_soft_loss(head, 'SMMix')
        self.switch_prob = check_probability('model.switch_prob', switch_prob)
        self.mixup_alpha = check_alpha(mixup_alpha, 'model.mixup_alpha', 'Mixup')
        r_min = check_probability('model.min_side_ratio', min_side_ratio)
        r_max = check_probability('model.max_side_ratio', max_side_ratio)
        with our_scope():
            super().__init__(backbone=backbone, head=head, **dict(kwargs, train_cfg=None))
        self.tap_attention(attention_layer)   # a ViT with a class token, else refused
        size = self.backbone.patch_embed.init_input_size
        self.grid = patch_grid(size, int(np.prod(self.backbone.patch_resolution)))[0]
        self.sides = (int(self.grid * r_min), int(self.grid * r_max))
        if not 1 <= self.sides[0] <= self.sides[1]:
            raise ValueError(
                f'model.min_side_ratio={min_side_ratio!r}, model.max_side_ratio='
                f'{max_side_ratio!r}: expected 0 < ⌊g·min⌋ <= ⌊g·max⌋ on the {self.grid}'
                f'x{self.grid} token grid (window sides {self.sides} tokens)')
        self.token_head = torch.nn.Linear(self.backbone.embed_dims, self.head.num_classes)
        torch.nn.init.trunc_normal_(self.token_head.weight, std=0.02)
        torch.nn.init.zeros_(self.token_head.bias)
        self._last_tokens = None
        self.backbone.layers[-1].register_forward_hook(self._keep_last_tokens)
        self.last_mix = None   # the last step's mix, for pictures and tests

    def _keep_last_tokens(self, module, args, output):
        if self.training:
            self._last_tokens = output

    def image_tokens(self) -> torch.Tensor:
        """The last forward pass's patch tokens after the backbone's final norm
        (N × P × C, with their gradient); released."""
        tokens, self._last_tokens = self._last_tokens, None
        if getattr(self.backbone, 'final_norm', False):
            tokens = self.backbone.ln1(tokens)
        return tokens[:, self.backbone.num_extra_tokens:]

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        n = inputs.size(0)
        index = torch.arange(n - 1, -1, -1, device=inputs.device)
        if not np.random.rand() < self.switch_prob:
            lam = float(np.random.beta(self.mixup_alpha, self.mixup_alpha))
            mixed = lam * inputs + (1 - lam) * inputs[index]
            self.last_mix = dict(smmix=False, lam=lam, index=index)
            set_mixed_scores(data_samples, index, lam, self.head.num_classes)
            losses = self.head.loss(self.extract_feat(mixed), data_samples)
            self._tokens = self._last_tokens = None
            return losses
        with self.reading_in_eval():
            clean_logits = self.head(self.extract_feat(inputs))
            attn = self.patch_attention()
        side = int(np.random.randint(self.sides[0], self.sides[1] + 1))
        lam = 1 - side * side / self.grid ** 2
        mixed, source_mask = swap_regions(inputs, attn, self.grid, side)
        self.last_mix = dict(smmix=True, lam=lam, index=index, side=side,
                             source_mask=source_mask, attention=attn)
        set_mixed_scores(data_samples, index, lam, self.head.num_classes)
        criterion = self.head.loss_module
        logits = self.head(self.extract_feat(mixed))
        self._tokens = None
        scores = torch.stack([ds.gt_score for ds in data_samples]).to(logits)
        tokens = self.image_tokens()
        k = self.head.num_classes
        labels = torch.cat([ds.gt_label for ds in data_samples]).to(inputs.device)
        fine = 0
        for mask, y in ((~source_mask, labels), (source_mask, labels[index])):
            token_logits = self.token_head(masked_token_mean(tokens, mask))
            fine = fine + criterion(token_logits, F.one_hot(y, k).to(logits), avg_factor=n)
        return dict(loss=criterion(logits, scores, avg_factor=n), loss_fine=fine / 2,
                    loss_consistency=consistency_loss(logits, clean_logits, lam))
