"""The AdAutoMix training step (Qin et al., ICLR 2024; official ``AdAutoMix.forward_train``
of OpenMixup 0.2.9), as three loss branches like ``step.automix_branches``.

Notation: θ_q the online classifier, θ_k its momentum copy (frozen, EMA), G the adaptive
mask generator (``adaptive_mask.py``), K the number of sources (``mix_samples``), α.

 1. Pairings (torch's generator, in the official order): idx_bb, idx_mb; K ~ U{2..K_max}
    with ``is_random`` (Python's generator); λ_1..λ_K ~ Beta(α, α) (numpy's).
 2. z = θ_k's tapped layer on the clean images (no graph).
 3. Two sources: M_mb = G([x, x[idx_mb]], (λ_1, 1 − λ_1)) with gradient, M_bb likewise
    with idx_bb and λ_2, without; M_bb becomes the constant (λ_2, 1 − λ_2) when
    min(λ_2, 1 − λ_2) ≤ margin.
    K ≥ 3: ℓ_s = λ_s / Σλ; the Mix Block's sources I_mb = (idx_mb, idx_bb, fresh
    pairings), the backbone's I_bb = K fresh pairings; M_mb = G(z[I_mb], ℓ),
    M_bb = G(z[I_bb], ℓ) without gradient. The official margin test here reads
    ``margin >= ℓ_1 or margin < 1 − ℓ_1``, true on almost every step, so M_bb is the
    constant ℓ: x_bb is the linear mix of its sources (``margin_fix`` reads the
    intended ``margin >= 1 − ℓ_1``).
 4. x_mb = Σ_s x[I_mb_s] ⊙ M_mb,s, x_bb likewise.
 5. Branch 1, the mask generator's (reaches only G, through x_mb; θ_k is frozen):
    p = θ_k(x_mb); L_k = Σ_s w_s CE(p, y[I_mb_s]) (w: (λ_1, 1 − λ_1) or ℓ);
    S = mean_n Σ_s w_s cos(p, θ_k(x[I_mb_s])) (two sources: x and x[idx_mb]);
    on an adversarial step (every ``adv_interval``-th, starting with the first)
    L_G = −β L_k + (1 − β) S: G *ascends* the teacher's loss and lowers the similarity
    to the sources; otherwise L_G = L_k. ``switch_off`` s > 0 skips the branch with
    probability 1 − s (numpy's draw, as AutoMix's).
    Branch 2: L_re = CE(θ_q(x), y); with K ≥ 3, (1 − r) CE(θ_q(x), y) + r L_co with
    L_co = Σ ℓ_s CE(θ_q(x_lin), y[I_bb_s]), x_lin = Σ ℓ_s x[I_bb_s] (r = ``mixup_radio``).
    Branch 3: L_mix_q = Σ w_s CE(θ_q(x_bb), y[I_bb_s]).
    One optimizer step on L_G + L_re + L_mix_q, then θ_k ← m θ_k + (1 − m) θ_q.

The branches' gradients are independent (θ_k frozen, M_bb detached), so they can be
backpropagated one after another. The official step computes S (K more θ_k forwards) on
every step, also when it is discarded; ``similarity_every_step=False`` computes it only
on adversarial steps (faster; θ_k's BN running statistics then see fewer batches).
"""
import random
from dataclasses import replace
from typing import Callable, Dict, Iterator, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .adaptive_mask import AdaptiveMask, mix_sources
from .classifier import AutoMixClassifier
from .mixing import (check_feature_channels, check_inputs, check_labels, mask_scale_for,
                     mask_statistics, mixed_target, one_hot, source_mask_statistics)
from .options import AdAutoMixOptions
from .step import EmaNetwork, OnlineNetwork


def sample_sources(n: int, device, alpha: float, mix_samples: int, is_random: bool):
    """K, (λ_1..λ_K), I_mb and I_bb, drawn in the official order (see step 1)."""
    idx_bb = torch.randperm(n, device=device)
    idx_mb = torch.randperm(n, device=device)
    k = random.randint(2, mix_samples) if is_random else mix_samples
    lam = np.random.beta(alpha, alpha, k)
    if k == 2:
        ar = torch.arange(n, device=device)
        return k, [float(v) for v in lam], [ar, idx_mb], [ar, idx_bb]
    mb = [idx_mb, idx_bb]
    bb = None
    for _ in range(2, k):            # the official loop re-draws I_bb as it grows
        mb.append(torch.randperm(n, device=device))
        bb = [torch.randperm(n, device=device) for _ in range(len(mb))]
    return k, [float(v) for v in lam], mb, bb


def adautomix_branches(x: torch.Tensor,
                       labels: torch.Tensor,
                       ema: EmaNetwork,
                       online: OnlineNetwork,
                       mask_gen: AdaptiveMask,
                       options: AdAutoMixOptions,
                       *,
                       adversarial: bool = True,
                       on_mix: Optional[Callable] = None
                       ) -> Iterator[Dict[str, torch.Tensor]]:
    """Yield the loss dicts of the three branches (see the module docstring).

    ``ema.mix_logits`` is θ_k with its mixup head (on x_mb and on the sources),
    ``online.logits`` θ_q's one-hot head (on x), ``online.mix_logits`` θ_q's mixup head
    (on x_lin and x_bb); the networks' ``mix_loss`` is the soft CE (Σ_s w_s CE(p, y_s)
    equals the soft CE of Σ_s w_s y_s). ``adversarial``: whether this step is one
    (``options.adversarial(update)``). ``on_mix(x, indices, weights, mask, mixed)`` sees
    the Mix Block's mixed images.
    """
    o, names = options, options.keys
    check_inputs(x)
    n = x.size(0)
    check_labels(labels, o.num_classes, names)
    y = labels.to(x.device)
    targets = one_hot(y, o.num_classes)    # the one-hot labels every mixed target weighs
    margin = max(float(o.lam_margin), 0.0)
    k, lam, i_mb, i_bb = sample_sources(n, x.device, o.alpha, o.mix_samples, o.is_random)
    if k == 2:
        w_mb, w_bb = [lam[0], 1 - lam[0]], [lam[1], 1 - lam[1]]
        constant_bb = margin >= lam[1] or margin >= 1 - lam[1]
    else:
        w_mb = w_bb = [v / sum(lam) for v in lam]
        l1 = w_bb[0]
        constant_bb = margin >= l1 or (margin >= 1 - l1 if o.margin_fix else margin < 1 - l1)

    with torch.no_grad():
        z = ema.feature(x)
    check_feature_channels(z, mask_gen.in_channels, names)
    s = mask_scale_for(x, z, o.mask_scale, names)
    proj = mask_gen.project(z)
    mask_mb = mask_gen(z, i_mb, w_mb, s, projections=proj)
    linear = x.new_tensor(w_bb).view(1, -1, 1, 1)     # the constant mask ℓ of plain mixup
    with torch.no_grad():
        if constant_bb:
            mask_bb = linear
        else:
            mask_bb = mask_gen(z, i_bb, w_bb, s,
                               projections={key: p.detach() for key, p in proj.items()})
    x_mb = mix_sources(x, mask_mb, i_mb)
    x_bb = mix_sources(x, mask_bb, i_bb)
    if on_mix is not None:
        on_mix(x, i_mb, w_mb, mask_mb, x_mb)

    branch = dict(mix_sources=torch.tensor(float(k)), adversarial=torch.tensor(
        float(adversarial)))
    if not o.updates.switched_off():
        p = ema.mix_logits(x_mb)
        ce = ema.mix_loss(p, mixed_target(targets, i_mb, w_mb))
        if adversarial or o.similarity_every_step:
            with torch.no_grad():
                preds = [ema.mix_logits(x[idx]) for idx in i_mb]
            sim = sum(w * F.cosine_similarity(p, q, dim=-1)
                      for w, q in zip(w_mb, preds)).mean()
            branch['similarity'] = sim.detach()
        if adversarial:
            branch['loss_mix_k'] = -o.beta_radio * ce + (1 - o.beta_radio) * sim
        else:
            branch['loss_mix_k'] = ce
        branch['ce_mix_k'] = ce.detach()
    if k == 2:
        branch.update(mask_statistics(mask_mb, lam[0]))
    else:
        branch.update(source_mask_statistics(mask_mb, w_mb))
    del proj, mask_mb, x_mb
    yield branch

    logits = online.logits(x)
    loss_one = online.loss(logits, y)
    acc = (logits.argmax(1) == y).float().mean() * 100
    del logits
    if k > 2:
        x_lin = mix_sources(x, linear, i_bb)
        loss_co = online.mix_loss(online.mix_logits(x_lin),
                                  mixed_target(targets, i_bb, w_bb))
        r = o.mixup_radio
        yield dict(loss_one_q=(1 - r) * loss_one + r * loss_co,
                   acc_one_q=acc.detach())
    else:
        yield dict(loss_one_q=loss_one, acc_one_q=acc.detach())

    logits = online.mix_logits(x_bb)
    yield dict(loss_mix_q=online.mix_loss(logits, mixed_target(targets, i_bb, w_bb)))


class AdAutoMixClassifier(AutoMixClassifier):
    """AdAutoMix around any PyTorch classifier, for a plain training loop: θ_q (the model
    given), θ_k (its momentum copy) and the adaptive mask generator; ``train_step`` runs
    :func:`adautomix_branches`, the optimizer step and the EMA update.

        model = AdAutoMixClassifier(torchvision.models.resnet18(num_classes=10),
                                    layer='layer3', in_channels=256, num_classes=10)
        optimizer = torch.optim.SGD(model.param_groups(lr=0.1), momentum=0.9)
        for x, y in loader:
            logs = model.train_step(x, y, optimizer)

    Args (besides :class:`AutoMixClassifier`'s ``model``, ``layer``, ``in_channels``,
    ``num_classes``, ``momentum``, ``end_momentum``, ``total_steps``, ``mask_scale``,
    ``staged_backward``, ``num_extra_tokens``, ``switch_off``, ``max_nonfinite``; the
    AdAutoMix options, ``AdAutoMixOptions.CONFIG_NAMES``, are keywords of ``**options``
    with their defaults there):
        alpha (float): α. AdAutoMix: 1.0.
        mix_samples (int), is_random (bool), adv_interval (int), beta_radio (float),
        mixup_radio (float), lam_margin (float), margin_fix (bool),
        similarity_every_step (bool): as the registered ``AdAutoMix``.
        lam_concat (bool), unsampling_mode: the mask generator's (``AdaptiveMask``).
    As :class:`AutoMixClassifier`, one output layer serves the clean and the mixed losses.
    """

    def __init__(self, model, layer: str, in_channels: int, num_classes: int,
                 lam_concat: bool = False, unsampling_mode='bilinear', **options):
        for key in ('mask_loss_weight', 'mix_block_options', 'mask_adjust', 'head_weights',
                    'mix_block_interval'):
            if options.get(key):
                raise ValueError(f'{key}={options[key]!r}: not an AdAutoMix option')
        if options.get('one_q_fraction', 1) != 1:
            raise ValueError(f'one_q_fraction={options["one_q_fraction"]!r}: not an '
                             'AdAutoMix option; expected 1')
        own = {k: options.pop(k) for k in AdAutoMixOptions.CONFIG_NAMES if k in options}
        adaptive = AdAutoMixOptions(num_classes=num_classes, **own)   # checked first
        super().__init__(model, layer, in_channels, num_classes, alpha=adaptive.alpha,
                         lam_margin=adaptive.lam_margin, mask_loss_weight=0.0, **options)
        self.options = replace(adaptive, mask_scale=self.options.mask_scale,
                               updates=self.options.updates, keys=self.options.keys)
        self.mix_block = AdaptiveMask(in_channels, lam_concat=lam_concat,
                                      unsampling_mode=unsampling_mode)

    def branches(self, x: torch.Tensor, y: torch.Tensor):
        """The three loss branches of one AdAutoMix step."""
        return adautomix_branches(
            x, y, self.theta_k, self.theta_q, self.mix_block, self.options,
            adversarial=self.options.adversarial(int(self.steps)))
