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
from typing import Callable, Dict, Iterator, NamedTuple, Optional

import numpy as np
import torch

from .mix_block import MixBlock
from .mix_block_updates import MixBlockUpdates
from .mixing import (adjust_mask_mean, check_feature_channels, check_inputs, check_labels,
                     constant_mask, mask_scale_for, mask_statistics, mix, sample_pairs,
                     pair_target)

Images = Callable[[torch.Tensor], torch.Tensor]


class StepNetworks(NamedTuple):
    """The network passes of one step, each a function of a batch of images."""
    clean_feature: Images       # θ_k's tapped layer on the clean images → z (N×C×H×W)
    ema_mix_logits: Images      # θ_k with its mixup head, on x_mb → logits (fp32)
    online_logits: Images       # θ_q with its one-hot head, on x → logits (fp32)
    online_mix_logits: Images   # θ_q with its mixup head, on x_bb → logits (fp32)


class StepLosses(NamedTuple):
    """The classification losses, each the mean over the batch."""
    one: Callable               # (logits, labels) → cross-entropy
    mix: Callable               # (logits, soft targets) → soft cross-entropy
    mix_k: Optional[Callable] = None   # L_mix_k's loss if not ``mix`` (SAMix's head_mix_k)


class BranchWeights(NamedTuple):
    """Weights of the three classification losses (official ``head_weights``: head_mix_k,
    head_one_q, head_mix_q; 1 in every released config). A zero weight drops that
    branch's network pass; ``mix_q`` must stay > 0 (it is how AutoMix trains θ_q)."""
    mix_k: float = 1.0          # L_mix_k, θ_k on x_mb: trains the Mix Block
    one_q: float = 1.0          # L_one_q, θ_q on the clean images
    mix_q: float = 1.0          # L_mix_q, θ_q on x_bb

    @classmethod
    def from_dict(cls, weights: Optional[dict], key: str = 'head_weights'):
        """Weights from ``weights`` (missing ones 1), checked; errors name ``key``."""
        weights = dict(weights or {})
        unknown = sorted(set(weights) - set(cls._fields))
        if unknown:
            raise ValueError(f'{key}: unknown {unknown}; expected keys among '
                             f'{list(cls._fields)}')
        return cls(**weights).check(key)

    def check(self, key: str = 'head_weights') -> 'BranchWeights':
        if any(not isinstance(w, (int, float)) or w < 0 for w in self):
            raise ValueError(f'{key}={dict(self._asdict())}: expected weights >= 0')
        if self.mix_q <= 0:
            raise ValueError(f'{key}.mix_q={self.mix_q}: the mixed-image loss is how AutoMix '
                             'trains the classifier θ_q; expected a weight > 0 (every '
                             'branch weight zero leaves nothing to train)')
        return self


def automix_branches(x: torch.Tensor,
                     labels: torch.Tensor,
                     nets: StepNetworks,
                     losses: StepLosses,
                     mix_block: MixBlock,
                     *,
                     num_classes: int,
                     alpha: float,
                     mask_loss_weight: float = 0.1,
                     lam_margin: float = -1.0,
                     mask_scale: Optional[int] = None,
                     no_repeat: bool = False,
                     on_mix: Optional[Callable] = None,
                     weights: BranchWeights = BranchWeights(),
                     updates: Optional[MixBlockUpdates] = None,
                     step: int = 0,
                     mask_adjust: float = 0.0,
                     mask_adjust_to: str = 'lam_mb',
                     one_q_fraction: float = 1.0) -> Iterator[Dict[str, torch.Tensor]]:
    """Yield the loss dicts of the three branches, in the order they can be freed.

    Args:
        x, labels: the batch (N ≥ 2 square images of even size) and its class indices.
        nets (StepNetworks): θ_k's feature, θ_k's and θ_q's logits.
        losses (StepLosses): the one-hot and the soft cross-entropy.
        mix_block: the Mix Block.
        num_classes (int): classes of the labels. alpha (float): α.
        mask_loss_weight (float): η. ``lam_margin``: see step 3 above (negative: off).
        mask_scale: s, input size / feature size; None derives it from the shapes.
        no_repeat: re-draw pairings that pair a sample with itself (official option).
        on_mix: called as ``on_mix(x, idx_mb, lam_mb, mask_mb, x_mb)`` (for pictures;
            with x_bb's pair, mask and image on a step that leaves the Mix Block alone).
        weights (BranchWeights): the loss weights; a zero weight drops the branch's pass.
        updates (MixBlockUpdates): which steps train the Mix Block (``step``: this
            step's 0-based index); None: every step, in full (the faithful default).
        mask_adjust (float): SAMix's p: with probability p (one uniform draw per step,
            from numpy's generator) M_bb is rescaled per sample so that its share of x
            has spatial mean λ (``mixing.adjust_mask_mean``); before ``lam_margin``.
        mask_adjust_to (str): the λ of that rescaling. 'lam_mb' (faithful: the official
            step uses λ_mb, the other call's ratio, although M_bb's images are labelled
            with λ_bb) or 'lam_bb' (the ratio M_bb's labels use).
        one_q_fraction (float): f in (0, 1], ours: L_one_q is the mean CE of θ_q on the
            first ⌈f·N⌉ clean images only (a sampler that shuffles makes them a random
            subset), so θ_q's clean pass costs f of a full one. 1: the whole batch
            (faithful). ``losses.one`` is called on those images and labels.

    Branches that a knob drops yield a dict without losses (the front-ends backpropagate
    only what has one); the third branch always has its loss.

    Bad input raises ``CoreInputError`` in the core's terms (``num_classes``,
    ``mask_scale``, ``in_channels``, ``layer``); front-ends rename them to their own
    argument or config names (``mixing.renamed_errors``).
    """
    check_inputs(x)
    check_mask_adjust(mask_adjust, mask_adjust_to)
    check_one_q_fraction(one_q_fraction, weights.one_q)
    n = x.size(0)
    check_labels(labels, num_classes)
    y = labels.to(x.device)
    lam_mb, lam_bb, idx_mb, idx_bb = sample_pairs(n, x.device, alpha, no_repeat)

    with torch.no_grad():
        z = nets.clean_feature(x)
    check_feature_channels(z, mix_block.in_channels)
    s = mask_scale_for(x, z, mask_scale)
    frozen = updates is not None and updates.frozen(step)   # no Mix Block gradient
    with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
        proj = mix_block.project(z)
        mask_mb = None if frozen else mix_block(z, lam_mb, idx_mb, s, projections=proj)
    # what M_mb's attention looked like (a Mix Block that records it)
    entropy = None if frozen else getattr(mix_block, 'last_attention_entropy', None)
    adjust = mask_adjust > 0 and mask_adjust > float(np.random.rand())
    with torch.no_grad():
        # the Mix Block is called on every step, also when the margin replaces its mask
        # by the constant one: as officially, its value neck's BN statistics move and
        # its random draws (k, the upsampling mode) are made
        mask_bb = mix_block(z, lam_bb, idx_bb, s,
                            projections={k: p.detach() for k, p in proj.items()})
        if 0 <= lam_margin and min(lam_bb, 1 - lam_bb) <= lam_margin:
            mask_bb = constant_mask(x, lam_bb)
        elif adjust:
            mask_bb = adjust_mask_mean(
                mask_bb, lam_mb if mask_adjust_to == 'lam_mb' else lam_bb)
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
        if weights.mix_k > 0 and not (updates is not None and updates.switched_off()):
            # θ_k is frozen, so L_mix_k reaches only the Mix Block via x_mb
            logits = nets.ema_mix_logits(x_mb)
            branch['loss_mix_k'] = (losses.mix_k or losses.mix)(
                logits, pair_target(y, idx_mb, lam_mb, num_classes))
            if weights.mix_k != 1:
                branch['loss_mix_k'] = weights.mix_k * branch['loss_mix_k']
            del logits
        if mask_loss_weight > 0:
            branch['loss_mask'] = mask_loss_weight * mix_block.mask_loss(mask_mb, lam_mb)
        branch.update(mask_statistics(mask_mb, lam_mb))
        if entropy is not None:
            branch['mask_attn_entropy'] = entropy
        del x_mb, mask_mb
    del proj
    yield branch

    # online branch, clean images
    if weights.one_q > 0:
        m = clean_count(n, one_q_fraction)
        x_one, y_one = (x, y) if m == n else (x[:m], y[:m])
        logits = nets.online_logits(x_one)
        acc = (logits.argmax(1) == y_one).float().mean() * 100
        loss = losses.one(logits, y_one)
        yield dict(loss_one_q=loss if weights.one_q == 1 else weights.one_q * loss,
                   acc_one_q=acc.detach())
        del logits
    else:
        yield {}

    # online branch, mixed images (M_bb carries no gradient)
    logits = nets.online_mix_logits(x_bb)
    loss = losses.mix(logits, pair_target(y, idx_bb, lam_bb, num_classes))
    yield dict(loss_mix_q=loss if weights.mix_q == 1 else weights.mix_q * loss)


MASK_ADJUST_TO = ('lam_mb', 'lam_bb')


def check_one_q_fraction(f: float, one_q: float = 1.0,
                         keys=('one_q_fraction', 'head_weights.one_q')) -> None:
    """``one_q_fraction`` is a share of the batch in (0, 1], and below 1 only while the
    clean-image loss it subsamples has a weight ``one_q`` > 0; errors name ``keys``."""
    if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
        raise ValueError(f'{keys[0]}={f!r}: expected a fraction of the batch in (0, 1] '
                         '(1: θ_q\'s clean-image loss on every image, as officially; to '
                         'drop it, set head_weights.one_q=0)')
    if f != 1 and one_q == 0:
        raise ValueError(f'{keys[0]}={f!r} with {keys[1]}=0: there is no clean-image loss '
                         f'to take on part of the batch; expected {keys[0]}=1')


def clean_count(n: int, f: float) -> int:
    """⌈f·n⌉ images (at least 1) of a batch of ``n`` for L_one_q."""
    return n if f >= 1 else max(1, min(n, math.ceil(f * n - 1e-9)))


def check_mask_adjust(p: float, to: str, keys=('mask_adjust', 'mask_adjust_to')) -> None:
    """SAMix's ``mask_adjust`` is a probability and its λ one of ``MASK_ADJUST_TO``."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f'{keys[0]}={p!r}: expected a probability in [0, 1] (SAMix: 0, '
                         'or 0.25 in its CIFAR 800-epoch config)')
    if to not in MASK_ADJUST_TO:
        raise ValueError(f'{keys[1]}={to!r}: expected one of {MASK_ADJUST_TO}')


def has_loss(losses: Dict[str, torch.Tensor]) -> bool:
    """Whether a branch's dict holds a loss (a dropped branch's holds none)."""
    return any(k.startswith('loss') for k in losses)


def total_loss(losses: Dict[str, torch.Tensor]) -> torch.Tensor:
    """The sum of the entries whose name starts with ``loss`` (the rest are logs)."""
    return sum(v for k, v in losses.items() if k.startswith('loss'))
