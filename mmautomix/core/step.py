"""The AutoMix training step (paper §3; official ``AutoMixup.forward_train``), as three
loss branches that any front-end can backpropagate together or one after another.

Notation: θ_q the online classifier (trained), θ_k its momentum copy (frozen, EMA),
M the Mix Block's mask, λ ~ Beta(α, α), z the θ_k feature the Mix Block reads.

 1. λ_mb, λ_bb ~ Beta(α, α); two pairings idx_mb, idx_bb of the local batch.
 2. z = θ_k's tapped layer on the clean images (no graph: θ_k is frozen).
 3. M_mb = MixBlock(z, λ_mb, idx_mb) (with gradient), M_bb = MixBlock(z, λ_bb, idx_bb)
    (no gradient); with ``lam_margin`` ≥ 0, an extreme λ_bb (min(λ, 1−λ) ≤ margin)
    makes M_bb the constant mask of plain mixup.
 4. x_mb = x ⊙ M_mb[0] + x[idx_mb] ⊙ M_mb[1], and likewise x_bb.
 5. Branch 1, the Mix Block's: L_mix_k = soft CE of θ_k on x_mb (reaches only the Mix
    Block, through x_mb) and L_mask = η · mask_loss(M_mb, λ_mb).
    Branch 2: L_one_q = CE of θ_q on x.  Branch 3: L_mix_q = soft CE of θ_q on x_bb.
    One optimizer step on the sum of all of them; then θ_k ← m θ_k + (1 − m) θ_q.

Gradients of the three branches are independent (θ_k is frozen, M_bb is detached), so
each branch can be backpropagated and freed before the next one's forward ("staged
backward": the summed loss's gradients, with one branch's activations in memory).
"""
from typing import Callable, Dict, Iterator, Optional

import torch

from .mix_block import MixBlock
from .mixing import (check_inputs, check_labels, constant_mask, mask_scale_for,
                     mask_statistics, mix, sample_pairs, soft_target)

Logits = Callable[[torch.Tensor], torch.Tensor]


def automix_branches(x: torch.Tensor,
                     labels: torch.Tensor,
                     *,
                     mix_block: MixBlock,
                     clean_feature: Callable[[torch.Tensor], torch.Tensor],
                     ema_mix_logits: Logits,
                     online_logits: Logits,
                     online_mix_logits: Logits,
                     one_loss: Callable,
                     mix_loss: Callable,
                     num_classes: int,
                     alpha: float,
                     mask_loss_weight: float = 0.1,
                     lam_margin: float = -1.0,
                     mask_scale: Optional[int] = None,
                     no_repeat: bool = False,
                     layer: str = 'mask_layer',
                     num_classes_key: str = 'model.head.num_classes',
                     mask_scale_key: str = 'model.mask_scale',
                     on_mix: Optional[Callable] = None) -> Iterator[Dict[str, torch.Tensor]]:
    """Yield the loss dicts of the three branches, in the order they can be freed.

    Args:
        x, labels: the batch (N ≥ 2 square images of even size) and its class indices.
        mix_block: the Mix Block.
        clean_feature: x → z, θ_k's feature on the clean images (called under no_grad).
        ema_mix_logits, online_logits, online_mix_logits: θ_k on x_mb, θ_q on x, θ_q on
            x_bb → logits (N, num_classes), in fp32.
        one_loss(logits, labels), mix_loss(logits, soft_targets): mean over the batch.
        mask_loss_weight (float): η. ``lam_margin``: see step 3 above (negative: off).
        mask_scale: s, input size / feature size; None derives it from the shapes.
        no_repeat: re-draw pairings that pair a sample with itself (official option).
        layer, num_classes_key, mask_scale_key: names of the feature layer, the class
            count and ``mask_scale`` in the error messages.
        on_mix: called as ``on_mix(x, idx_mb, lam_mb, mask_mb, x_mb)`` (for pictures).
    """
    check_inputs(x)
    n = x.size(0)
    check_labels(labels, num_classes, num_classes_key)
    y = labels.to(x.device)
    lam_mb, lam_bb, idx_mb, idx_bb = sample_pairs(n, x.device, alpha, no_repeat)

    with torch.no_grad():
        z = clean_feature(x)
    if z.size(1) != mix_block.in_channels:
        raise ValueError(f'mix_block.in_channels={mix_block.in_channels}, but {layer} '
                         f'outputs {z.size(1)} channels; expected '
                         f'mix_block.in_channels={z.size(1)}')
    s = mask_scale_for(x, z, mask_scale, layer, mask_scale_key)
    proj = mix_block.project(z)
    mask_mb = mix_block(z, lam_mb, idx_mb, s, projections=proj)
    with torch.no_grad():
        if 0 <= lam_margin and min(lam_bb, 1 - lam_bb) <= lam_margin:
            mask_bb = constant_mask(x, lam_bb)
        else:
            mask_bb = mix_block(z, lam_bb, idx_bb, s,
                                projections=tuple(p.detach() for p in proj))
    x_mb = mix(x, mask_mb, idx_mb)
    x_bb = mix(x, mask_bb, idx_bb)
    if on_mix is not None:
        on_mix(x, idx_mb, lam_mb, mask_mb, x_mb)

    # Mix Block branch: θ_k is frozen, so L_mix_k reaches only the Mix Block via x_mb
    logits = ema_mix_logits(x_mb)
    losses = dict(loss_mix_k=mix_loss(logits, soft_target(y, idx_mb, lam_mb, num_classes)))
    if mask_loss_weight > 0:
        losses['loss_mask'] = mask_loss_weight * mix_block.mask_loss(mask_mb, lam_mb)
    losses.update(mask_statistics(mask_mb, lam_mb))
    del x_mb, mask_mb, proj, logits
    yield losses

    # online branch, clean images
    logits = online_logits(x)
    acc = (logits.argmax(1) == y).float().mean() * 100
    yield dict(loss_one_q=one_loss(logits, y), acc_one_q=acc.detach())
    del logits

    # online branch, mixed images (M_bb carries no gradient)
    logits = online_mix_logits(x_bb)
    yield dict(loss_mix_q=mix_loss(logits, soft_target(y, idx_bb, lam_bb, num_classes)))


def total_loss(losses: Dict[str, torch.Tensor]) -> torch.Tensor:
    """The sum of the entries whose name starts with ``loss`` (the rest are logs)."""
    return sum(v for k, v in losses.items() if k.startswith('loss'))
