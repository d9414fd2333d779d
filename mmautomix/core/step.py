"""The AutoMix training step (paper §3; official ``AutoMixup.forward_train``), as three
loss branches that any front-end can backpropagate together or one after another.

Notation: θ_q the online classifier (trained), θ_k its momentum copy (frozen, EMA),
M the Mix Block's mask, λ ~ Beta(α, α), z the θ_k feature the Mix Block reads.

 1. λ_mb, λ_bb ~ Beta(α, α); two pairings idx_mb, idx_bb of the local batch.
 2. z = θ_k's tapped layer on the clean images (no graph: θ_k is frozen).
 3. M_mb = MixBlock(z, λ_mb, idx_mb) (with gradient), M_bb = MixBlock(z, λ_bb, idx_bb)
    (no gradient); with ``lam_margin`` ≥ 0, an extreme λ_bb (min(λ, 1−λ) ≤ margin)
    then replaces M_bb by the constant mask of plain mixup (the call is still made).
 4. x_mb = x ⊙ M_mb[0] + x[idx_mb] ⊙ M_mb[1], and likewise x_bb.
 5. Branch 1, the Mix Block's: L_mix_k = soft CE of θ_k on x_mb (reaches only the Mix
    Block, through x_mb) and L_mask = η · mask_loss(M_mb, λ_mb).
    Branch 2: L_one_q = CE of θ_q on x (with ``one_q_fraction`` f < 1: on the first
    ⌈f·N⌉ images of x only).  Branch 3: L_mix_q = soft CE of θ_q on x_bb.
    One optimizer step on the sum of all of them; then θ_k ← m θ_k + (1 − m) θ_q.

Gradients of the three branches are independent (θ_k is frozen, M_bb is detached), so
each branch can be backpropagated and freed before the next one's forward ("staged
backward": the summed loss's gradients, with one branch's activations in memory).
"""
import math
from typing import Callable, Dict, Iterator, Optional, Protocol

import numpy as np
import torch

from .mix_block import MixBlock
from .mixing import (adjust_mask_mean, check_feature_channels, check_inputs, check_labels,
                     constant_mask, mask_scale_for, mask_statistics, mix, sample_pairs,
                     pair_target)
from .options import StepOptions


class EmaNetwork(Protocol):
    """θ_k as the step uses it: frozen (no gradient reaches its parameters), in the mode
    the front-end put it in (train: its BN statistics move, as officially)."""

    def feature(self, x: torch.Tensor) -> torch.Tensor:
        """z: the output of the layer the Mix Block reads, N×C×H×W."""

    def mix_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (fp32) of the classifier with its mixup head."""

    def mix_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """L_mix_k's loss for soft targets, the mean over the batch."""


class OnlineNetwork(Protocol):
    """θ_q as the step uses it (trained)."""

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (fp32) with the one-hot head."""

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy against class indices, the mean over the images given."""

    def mix_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (fp32) with the mixup head."""

    def mix_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Soft cross-entropy, the mean over the batch."""


def automix_branches(x: torch.Tensor,
                     labels: torch.Tensor,
                     ema: EmaNetwork,
                     online: OnlineNetwork,
                     mix_block: MixBlock,
                     options: StepOptions,
                     *,
                     mask_loss_weight: Optional[float] = None,
                     step: int = 0,
                     on_mix: Optional[Callable] = None) -> Iterator[Dict[str, torch.Tensor]]:
    """Yield the loss dicts of the three branches, in the order they can be freed.

    Args:
        x, labels: the batch (N ≥ 2 square images of even size) and its class indices.
        ema (EmaNetwork): θ_k. online (OnlineNetwork): θ_q.
        mix_block: the Mix Block.
        options (StepOptions): α, the margins, the weights, ... (validated once).
        mask_loss_weight (float, optional): this step's η when a schedule moves it
            (default ``options.mask_loss_weight``).
        step (int): this step's 0-based index among the optimizer updates (the Mix
            Block's update interval counts it).
        on_mix: called as ``on_mix(x, idx_mb, lam_mb, mask_mb, x_mb)`` (for pictures;
            with x_bb's pair, mask and image on a step that leaves the Mix Block alone).

    With ``options.mask_adjust`` p > 0, SAMix's rescaling: with probability p (one
    uniform draw per step, from numpy's generator) M_bb is rescaled per sample so that
    its share of x has spatial mean λ (``mixing.adjust_mask_mean``), before the margin;
    to λ_mb with 'lam_mb' (faithful: the official step uses the other call's ratio,
    although M_bb's images are labelled with λ_bb) or λ_bb with 'lam_bb'. With
    ``options.one_q_fraction`` f < 1, L_one_q is the mean CE of θ_q on the first
    ⌈f·N⌉ clean images only (a sampler that shuffles makes them a random subset).

    Branches that a weight of 0 drops yield a dict without losses (the front-ends
    backpropagate only what has one); the third branch always has its loss.

    Bad input (labels outside the classes, a feature whose channels or size do not fit)
    raises a ``ValueError`` that names ``options.keys``' names of the terms.
    """
    o, names = options, options.keys
    eta = o.mask_loss_weight if mask_loss_weight is None else mask_loss_weight
    weights, updates = o.weights, o.updates
    check_inputs(x)
    n = x.size(0)
    check_labels(labels, o.num_classes, names)
    y = labels.to(x.device)
    lam_mb, lam_bb, idx_mb, idx_bb = sample_pairs(n, x.device, o.alpha, o.no_repeat)

    with torch.no_grad():
        z = ema.feature(x)
    check_feature_channels(z, mix_block.in_channels, names)
    s = mask_scale_for(x, z, o.mask_scale, names)
    frozen = updates.frozen(step)   # no Mix Block gradient on this step
    with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
        proj = mix_block.project(z)
        mask_mb = None if frozen else mix_block(z, lam_mb, idx_mb, s, projections=proj)
    # what M_mb's attention looked like (a Mix Block that records it)
    entropy = None if frozen else getattr(mix_block, 'last_attention_entropy', None)
    adjust = o.mask_adjust > 0 and o.mask_adjust > float(np.random.rand())
    with torch.no_grad():
        # the Mix Block is called on every step, also when the margin replaces its mask
        # by the constant one: as officially, its value neck's BN statistics move and
        # its random draws (k, the upsampling mode) are made
        mask_bb = mix_block(z, lam_bb, idx_bb, s,
                            projections={k: p.detach() for k, p in proj.items()})
        if 0 <= o.lam_margin and min(lam_bb, 1 - lam_bb) <= o.lam_margin:
            mask_bb = constant_mask(x, lam_bb)
        elif adjust:
            mask_bb = adjust_mask_mean(
                mask_bb, lam_mb if o.mask_adjust_to == 'lam_mb' else lam_bb)
    x_bb = mix(x, mask_bb, idx_bb)
    branch = {}
    if mask_mb is None:
        if on_mix is not None:
            on_mix(x, idx_bb, lam_bb, mask_bb, x_bb)
    else:
        x_mb = mix(x, mask_mb, idx_mb)
        if on_mix is not None:
            on_mix(x, idx_mb, lam_mb, mask_mb, x_mb)
        # the official switch_off draw comes after the masks, as in the official step
        if weights.mix_k > 0 and not updates.switched_off():
            # θ_k is frozen, so L_mix_k reaches only the Mix Block via x_mb
            logits = ema.mix_logits(x_mb)
            branch['loss_mix_k'] = ema.mix_loss(
                logits, pair_target(y, idx_mb, lam_mb, o.num_classes))
            if weights.mix_k != 1:
                branch['loss_mix_k'] = weights.mix_k * branch['loss_mix_k']
            del logits
        if eta > 0:
            branch['loss_mask'] = eta * mix_block.mask_loss(mask_mb, lam_mb)
        branch.update(mask_statistics(mask_mb, lam_mb))
        if entropy is not None:
            branch['mask_attn_entropy'] = entropy
        del x_mb, mask_mb
    del proj
    yield branch

    # online branch, clean images
    if weights.one_q > 0:
        m = clean_count(n, o.one_q_fraction)
        x_one, y_one = (x, y) if m == n else (x[:m], y[:m])
        logits = online.logits(x_one)
        acc = (logits.argmax(1) == y_one).float().mean() * 100
        loss = online.loss(logits, y_one)
        yield dict(loss_one_q=loss if weights.one_q == 1 else weights.one_q * loss,
                   acc_one_q=acc.detach())
        del logits
    else:
        yield {}

    # online branch, mixed images (M_bb carries no gradient)
    logits = online.mix_logits(x_bb)
    loss = online.mix_loss(logits, pair_target(y, idx_bb, lam_bb, o.num_classes))
    yield dict(loss_mix_q=loss if weights.mix_q == 1 else weights.mix_q * loss)


def clean_count(n: int, f: float) -> int:
    """⌈f·n⌉ images (at least 1) of a batch of ``n`` for L_one_q."""
    return n if f >= 1 else max(1, min(n, math.ceil(f * n - 1e-9)))


def has_loss(losses: Dict[str, torch.Tensor]) -> bool:
    """Whether a branch's dict holds a loss (a dropped branch's holds none)."""
    return any(k.startswith('loss') for k in losses)


def total_loss(losses: Dict[str, torch.Tensor]) -> torch.Tensor:
    """The sum of the entries whose name starts with ``loss`` (the rest are logs)."""
    return sum(v for k, v in losses.items() if k.startswith('loss'))
