"""TransMix as an mmpretrain classifier for vision transformers (``core/transmix.py``:
the label rule and the attention it reads).

One training step, as the official code (timm's Mixup with DeiT's values, then
``transmix_label``): with probability ``switch_prob`` the batch is mixed by CutMix
(λ ~ Beta(α_cutmix, α_cutmix), mmpretrain's box with the area correction), otherwise
by Mixup (λ ~ Beta(α_mixup, α_mixup)); each image i is paired with image N − 1 − i
(the batch reversed, the official pairing). The mixed batch goes through the network
once; a forward hook on the last attention layer keeps its input tokens, from which the
class token's attention is recomputed without a gradient; a CutMix batch then gets
TransMix's label, a Mixup batch Mixup's.
"""
import contextlib
import math
from typing import List, Optional

import numpy as np
import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.models.utils.batch_augments import CutMix

from mmautomix.core.transmix import LABEL_RULES, box_at_patch_grid, transmix_lambda
from mmautomix.core.vit_attention import class_token_attention, patch_attention
from mmautomix.registry import MODELS, our_scope
from .mask_mix import check_alpha, check_probability
from .targets import check_no_batch_augments, check_soft_loss, set_mixed_scores


def find_attention_layer(backbone, index: int = -1, method: str = 'TransMix'):
    """The attention module of transformer layer ``index`` of an mmpretrain
    ``VisionTransformer``-style backbone (``layers[i].attn`` with a fused ``qkv``), or
    a ValueError naming the keys."""
    layers = getattr(backbone, 'layers', None)
    attn = getattr(layers[index], 'attn', None) if layers is not None and len(layers) else None
    if attn is None or not isinstance(getattr(attn, 'qkv', None), torch.nn.Linear) \
            or not hasattr(attn, 'num_heads'):
        raise ValueError(
            f'model.backbone.type={type(backbone).__name__!r}: {method} reads the class '
            'token\'s attention of a vision transformer (layers[i].attn with a fused qkv '
            "projection and num_heads); expected e.g. dict(type='VisionTransformer')")
    if getattr(backbone, 'num_extra_tokens', 0) < 1:
        raise ValueError(f'model.backbone: {method} needs the class token; expected '
                         "a backbone with a class token (with_cls_token=True)")
    return attn


def patch_grid(image_size, num_patches: int):
    """(h, w) of the patch grid of an H × W image cut into ``num_patches`` square
    patches."""
    h, w = image_size
    side = round(math.sqrt(h * w / num_patches))
    if side < 1 or (h // side) * (w // side) != num_patches:
        raise ValueError(f'TransMix: {num_patches} patch tokens do not tile a {h}x{w} '
                         'image with square patches')
    return h // side, w // side


def timm_mix(inputs: torch.Tensor, switch_prob: float, mixup_alpha: float,
             cutmix_alpha: float):
    """timm's per-batch Mixup/CutMix as the official ViT mixups use it: CutMix with
    probability ``switch_prob`` (λ ~ Beta(cutmix_alpha), mmpretrain's box with the area
    correction), Mixup otherwise (λ ~ Beta(mixup_alpha)); image i paired with image
    N − 1 − i. Returns the mixed images, the pairing, image A's λ and the box (None on a
    Mixup batch)."""
    index = torch.arange(inputs.size(0) - 1, -1, -1, device=inputs.device)
    use_cutmix = bool(np.random.rand() < switch_prob)
    alpha = cutmix_alpha if use_cutmix else mixup_alpha
    lam = float(np.random.beta(alpha, alpha))
    if not use_cutmix:
        return lam * inputs + (1 - lam) * inputs[index], index, lam, None
    box, lam = CutMix(cutmix_alpha).cutmix_bbox_and_lam(inputs.shape[-2:], lam)
    yl, yh, xl, xh = (int(v) for v in box)
    mixed = inputs.clone()
    mixed[..., yl:yh, xl:xh] = inputs[index][..., yl:yh, xl:xh]
    return mixed, index, lam, (yl, yh, xl, xh)


class AttentionReader:
    """Mixin of the classifiers that read the attention of one transformer layer of
    their ViT backbone (TransMix, MixPro, SMMix): a forward pre-hook keeps the layer's
    input tokens during training (and inside :meth:`reading_in_eval`), from which
    :meth:`class_attention` or :meth:`patch_attention` recomputes the attention once per
    step (``core/vit_attention.py``)."""

    def tap_attention(self, layer: int) -> None:
        """Hook layer ``layer`` (refused, naming the keys, if the backbone has none)."""
        self.attention_layer = layer
        self._tokens = None
        self._read_in_eval = False
        self.attention.register_forward_pre_hook(self._keep_tokens)

    @property
    def attention(self):
        """The attention module read (a view: its parameters stay the backbone's only)."""
        return find_attention_layer(self.backbone, self.attention_layer, type(self).__name__)

    def _keep_tokens(self, module, args):
        if self.training or self._read_in_eval:
            self._tokens = args[0].detach()

    @contextlib.contextmanager
    def reading_in_eval(self):
        """The model in evaluation mode, without a gradient, its attention kept; back in
        training mode after (SMMix's pass on the clean images)."""
        self.eval()
        self._read_in_eval = True
        try:
            with torch.no_grad():
                yield
        finally:
            self._read_in_eval = False
            self.train()

    def _read(self, attention_of) -> torch.Tensor:
        attn = attention_of(self._tokens, self.attention.qkv, self.attention.num_heads,
                            self.backbone.num_extra_tokens)
        self._tokens = None
        return attn

    def class_attention(self) -> torch.Tensor:
        """The class token's attention a (N × P) of the last forward pass; the kept
        tokens are released."""
        return self._read(class_token_attention)

    def patch_attention(self) -> torch.Tensor:
        """The attention each patch token received from the patch tokens (N × P) in the
        last forward pass; the kept tokens are released."""
        return self._read(patch_attention)


@MODELS.register_module()
class TransMix(AttentionReader, ImageClassifier):
    """TransMix classifier (see the module docstring).

    Args:
        mixup_alpha (float): α of Mixup's λ. DeiT and the official TransMix: 0.8.
        cutmix_alpha (float): α of CutMix's λ. 1.0.
        switch_prob (float): the probability of a CutMix batch. 0.8, the value of
            every official TransMix config (timm's own default is 0.5).
        label_rule (str): 'official' (the mean of the box's area and the attention
            share, the official code) or 'paper' (the attention share alone).
        attention_layer (int): the transformer layer whose attention is read (−1, the
            last, as officially).
        backbone, neck, head, ...: as ``ImageClassifier``; the head's loss takes soft
            targets.
    """

    def __init__(self, backbone: dict, head: dict, mixup_alpha: float = 0.8,
                 cutmix_alpha: float = 1.0, switch_prob: float = 0.8,
                 label_rule: str = 'official', attention_layer: int = -1,
                 neck: Optional[dict] = None, train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None):
        check_no_batch_augments(train_cfg, 'TransMix')
        check_soft_loss(head, 'TransMix')
        self.mixup_alpha = check_alpha(mixup_alpha, 'model.mixup_alpha', 'Mixup')
        self.cutmix_alpha = check_alpha(cutmix_alpha, 'model.cutmix_alpha', 'CutMix')
        if label_rule not in LABEL_RULES:
            raise ValueError(f'model.label_rule={label_rule!r}: expected one of '
                             f'{LABEL_RULES}')
        self.switch_prob = check_probability('model.switch_prob', switch_prob)
        self.label_rule = label_rule
        with our_scope():
            super().__init__(backbone=backbone, neck=neck, head=head, train_cfg=None,
                             data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.tap_attention(attention_layer)
        self.last_mix = None   # the last step's mix, for pictures and tests

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        mixed, index, lam, box = timm_mix(inputs, self.switch_prob, self.mixup_alpha,
                                          self.cutmix_alpha)
        feats = self.extract_feat(mixed)
        if box is not None:
            attn = self.class_attention()
            grid = patch_grid(inputs.shape[-2:], attn.size(1))
            patches = box_at_patch_grid(box, inputs.shape[-2:], grid)
            lam_b = transmix_lambda(attn, patches, 1 - lam, self.label_rule)
            lam = 1 - lam_b                     # the weight of image A's label
        self._tokens = None
        self.last_mix = dict(cutmix=box is not None, lam=lam, index=index)
        set_mixed_scores(data_samples, index, lam, self.head.num_classes)
        return self.head.loss(feats, data_samples)
