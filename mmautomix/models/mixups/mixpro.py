"""MixPro as an mmpretrain classifier for vision transformers (``core/mixpro.py``: MaskMix
and progressive attention labeling).

One training step, as the official code: with probability ``maskmix_prob`` the batch is
mixed by MaskMix (ρ ~ Beta(α, α), a grid of ``mask_patch_size``-pixel patches, the pair
of image i a uniform random permutation), otherwise by timm's Mixup/CutMix (CutMix on
``switch_prob`` of those batches, the batch reversed as pairing, the label by area).
The mixed batch goes through the network once; on a MaskMix batch with ``pal=True`` the
loss is PAL's, whose label weight blends the area share with the class token's attention
share (read from the last attention layer as for TransMix) by the prediction's cosine
similarity to the area label; otherwise the head's loss on the soft area label.
"""
from typing import List

import numpy as np
import torch
from mmpretrain.models import ImageClassifier

from mmautomix.core.mixpro import maskmix_masks, pal_loss, upsample_mask
from mmautomix.core.transmix import attention_share
from mmautomix.registry import MODELS, our_scope
from .mask_mix import check_alpha, check_probability
from .targets import check_no_batch_augments, check_soft_loss, set_mixed_scores
from .transmix import AttentionReader, timm_mix


@MODELS.register_module()
class MixPro(AttentionReader, ImageClassifier):
    """MixPro classifier (see the module docstring).

    Args:
        mask_patch_size (int): s, the pixels of a MaskMix patch; a multiple of the ViT's
            patch size that divides the image size. Official DeiT-S: 56 (a 4 × 4 grid at
            224 px).
        maskmix_alpha (float): α of ρ. Official: 1.0.
        maskmix_prob (float): the probability of a MaskMix batch. Official: 0.5.
        pal (bool): progressive attention labeling on MaskMix batches. Official: True.
        label_smoothing (float): ε of the area label ỹ that PAL compares the prediction
            with (the recipe's label smoothing). Official: 0.1.
        mixup_alpha, cutmix_alpha, switch_prob: the other batches' Mixup and CutMix
            (timm's values in the official recipes: 0.8, 1.0, 0.5).
        attention_layer (int): the transformer layer whose attention PAL reads (−1).
    """

    def __init__(self, backbone: dict, head: dict, mask_patch_size: int = 56,
                 maskmix_alpha: float = 1.0, maskmix_prob: float = 0.5, pal: bool = True,
                 label_smoothing: float = 0.1, mixup_alpha: float = 0.8,
                 cutmix_alpha: float = 1.0, switch_prob: float = 0.5,
                 attention_layer: int = -1, **kwargs):
        check_no_batch_augments(kwargs.get('train_cfg'), 'MixPro')
        check_soft_loss(head, 'MixPro')
        self.maskmix_alpha = check_alpha(maskmix_alpha, 'model.maskmix_alpha', 'MaskMix')
        self.mixup_alpha = check_alpha(mixup_alpha, 'model.mixup_alpha', 'Mixup')
        self.cutmix_alpha = check_alpha(cutmix_alpha, 'model.cutmix_alpha', 'CutMix')
        self.maskmix_prob = check_probability('model.maskmix_prob', maskmix_prob)
        self.switch_prob = check_probability('model.switch_prob', switch_prob)
        if not 0 <= label_smoothing < 1:
            raise ValueError(f'model.label_smoothing={label_smoothing!r}: expected ε in '
                             '[0, 1)')
        self.pal, self.label_smoothing = bool(pal), float(label_smoothing)
        with our_scope():
            super().__init__(backbone=backbone, head=head, **dict(kwargs, train_cfg=None))
        self.tap_attention(attention_layer)   # a ViT, else refused naming the keys
        stride = self.backbone.patch_embed.projection.stride[0]
        size = self.backbone.patch_embed.init_input_size[0]
        if isinstance(mask_patch_size, bool) or not isinstance(mask_patch_size, int) \
                or mask_patch_size % stride or size % mask_patch_size:
            raise ValueError(
                f'model.mask_patch_size={mask_patch_size!r}: expected a multiple of the '
                f'patch size {stride} that divides the image size {size} (so every mask '
                'patch covers whole tokens)')
        self.mask_patch_size, self.tokens_per_side = mask_patch_size, mask_patch_size // stride
        self.last_mix = None

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        n = inputs.size(0)
        if not np.random.rand() < self.maskmix_prob:
            mixed, index, lam, _ = timm_mix(inputs, self.switch_prob, self.mixup_alpha,
                                            self.cutmix_alpha)
            self.last_mix = dict(maskmix=False, index=index, lam=lam)
            set_mixed_scores(data_samples, index, lam, self.head.num_classes)
            self._tokens = None
            return self.head.loss(self.extract_feat(mixed), data_samples)
        index = torch.randperm(n).to(inputs.device)
        grid = inputs.size(-1) // self.mask_patch_size
        ratio = float(np.random.beta(self.maskmix_alpha, self.maskmix_alpha))
        masks = torch.from_numpy(maskmix_masks(n, grid, ratio)).to(inputs.device)
        pixels = upsample_mask(masks, self.mask_patch_size)[:, None].to(inputs)
        mixed = inputs * pixels + inputs[index] * (1 - pixels)
        lam_area = masks.flatten(1).float().mean(dim=1)       # ⌈ρ g²⌉ / g² per image
        self.last_mix = dict(maskmix=True, index=index, lam=lam_area, masks=masks)
        set_mixed_scores(data_samples, index, lam_area, self.head.num_classes)
        feats = self.extract_feat(mixed)
        if not self.pal:
            self._tokens = None
            return self.head.loss(feats, data_samples)
        attn = self.class_attention()
        tokens = upsample_mask(masks, self.tokens_per_side).flatten(1)
        lam_attn = attention_share(attn, tokens)
        labels = torch.cat([ds.gt_label for ds in data_samples]).to(inputs.device)
        k = self.head.num_classes
        eps = self.label_smoothing
        target = torch.stack([ds.gt_score for ds in data_samples]).to(inputs) * (1 - eps) \
            + eps / k
        logits = self.head(feats)
        self.last_mix.update(lam_attn=lam_attn)
        return dict(loss=pal_loss(logits, target, labels, labels[index], lam_attn,
                                  lam_area.to(logits)))
