"""Pairs, ratios, mixed images and soft targets of one AutoMix step (plain PyTorch).

A step draws λ_mb, λ_bb ~ Beta(α, α) (numpy's global generator, as the official code)
and two pairings of the local batch (torch's generator), mixes each pair with a mask M
(channel 0 weights x_i, channel 1 the paired x_index[i]) and gives the mixed image the
soft target λ y_i + (1 − λ) y_index[i].
"""
import math
from typing import Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F


def permutation(n: int, device, no_repeat: bool = False) -> torch.Tensor:
    """A random pairing of the batch; with ``no_repeat`` up to 10 more draws avoid pairing
    a sample with itself, as the official code does (a fixed point may remain)."""
    idx = torch.randperm(n, device=device)
    if no_repeat and n > 1:
        ar = torch.arange(n, device=device)
        for _ in range(10):
            if not bool((idx == ar).any()):
                break
            idx = torch.randperm(n, device=device)
    return idx


def sample_pairs(n: int, device, alpha: float, no_repeat: bool = False
                 ) -> Tuple[float, float, torch.Tensor, torch.Tensor]:
    """λ_mb, λ_bb ~ Beta(α, α) and the pairings idx_mb, idx_bb of a batch of ``n``.

    With ``no_repeat``, a pairing for the Mix Block that still pairs a sample with itself
    after the re-draws becomes a random cyclic shift (official behaviour)."""
    lam_mb, lam_bb = (float(v) for v in np.random.beta(alpha, alpha, 2))
    idx_mb = permutation(n, device, no_repeat)
    ar = torch.arange(n, device=device)
    if no_repeat and n > 2 and bool((idx_mb == ar).any()):
        shift = int(np.random.randint(1, n - 1))
        idx_mb = (ar + shift) % n
    idx_bb = permutation(n, device, no_repeat)
    return lam_mb, lam_bb, idx_mb, idx_bb


def mix(x: torch.Tensor, mask: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x ⊙ M[:, 0] + x[index] ⊙ M[:, 1]."""
    return x * mask[:, :1] + x[index] * mask[:, 1:]


def constant_mask(x: torch.Tensor, lam: float) -> torch.Tensor:
    """The mask of plain mixup, [λ, 1 − λ] everywhere (broadcasts over the pixels)."""
    return x.new_tensor([lam, 1 - lam]).view(1, 2, 1, 1)


def adjust_mask_mean(mask: torch.Tensor, lam: float, eps: float = 1e-8) -> torch.Tensor:
    """SAMix's ``mask_adjust``: rescale each sample's mask so the spatial mean of M[:, 0]
    (the share of x_i) becomes λ. With m = clamp(M[:, 0], ε, 1 − ε) and m̄ its mean:
    m̄ > λ + ε: M[:, 0] = m·λ/m̄; m̄ < λ − ε: M[:, 1] = (1 − m)(1 − λ)/(1 − m̄);
    otherwise the sample's mask is kept. Returns a new mask (no gradient needed)."""
    m = mask[:, 0].clamp(min=eps, max=1 - eps)
    mean = m.mean(dim=(1, 2), keepdim=True)
    larger = (mean > lam + eps).view(-1, 1, 1)
    smaller = (mean < lam - eps).view(-1, 1, 1)
    m0 = torch.where(larger, m * (lam / mean), mask[:, 0])
    m0 = torch.where(smaller, 1 - (1 - m) * ((1 - lam) / (1 - mean)), m0)
    return torch.stack([m0, 1 - m0], dim=1)


def mixed_target(scores: torch.Tensor, indices: Sequence[torch.Tensor],
                 weights: Sequence) -> torch.Tensor:
    """Σ_s w_s · y[I_s]: the soft target of images mixed from the sources x[I_s] at
    weights w_s (each a float, or one value per sample), y the N×classes targets of the
    batch (one-hot or already soft). Two sources: ``mixed_target(y, (arange, idx),
    (λ, 1 − λ))`` = λ y + (1 − λ) y[idx]; AdAutoMix's K sources likewise."""
    total = 0
    for w, idx in zip(weights, indices):
        if isinstance(w, torch.Tensor):
            w = w.to(scores).view(-1, 1)
        total = total + w * scores[idx]
    return total


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The N×classes float one-hot targets of class indices."""
    return F.one_hot(labels, num_classes).float()


def pair_target(labels: torch.Tensor, index: torch.Tensor, lam, num_classes: int):
    """λ y + (1 − λ) y[index] with y the one-hot labels (:func:`mixed_target`)."""
    identity = torch.arange(labels.size(0), device=labels.device)
    return mixed_target(one_hot(labels, num_classes), (identity, index), (lam, 1 - lam))


class CoreInputError(ValueError):
    """A bad input found by the core, named by ``names`` (term → the caller's name, e.g.
    its config key) or in the core's own terms: ``num_classes``, ``mask_scale``,
    ``in_channels`` (the Mix Block's), ``layer`` (the layer z comes from)."""
    TERMS = ('num_classes', 'mask_scale', 'in_channels', 'layer')

    def __init__(self, template: str, names: Optional[Mapping[str, str]] = None, **values):
        self.template, self.values = template, values
        names = names or {}
        super().__init__(template.format(**{t: names.get(t, t) for t in self.TERMS},
                                         **values))

    def renamed(self, names: dict) -> ValueError:
        """The same error with ``names`` (term → the caller's name) in the message."""
        terms = {t: names.get(t, t) for t in self.TERMS}
        return ValueError(self.template.format(**terms, **self.values))


def check_labels(labels: torch.Tensor, num_classes: int, names=None) -> None:
    """Every label in [0, num_classes), else a ``CoreInputError`` naming the first bad
    one and its index in the batch (before any one-hot or NaN)."""
    bad = ((labels < 0) | (labels >= num_classes)).nonzero()
    if len(bad):
        i = int(bad[0])
        raise CoreInputError('label {label} of sample {i} in this batch is outside '
                             '[0, {num_classes}={n}); check the dataset\'s labels or set '
                             '{num_classes}', names, label=int(labels[i]), i=i, n=num_classes)


def check_inputs(x: torch.Tensor) -> None:
    """A batch AutoMix can mix: at least two samples, square images of even size."""
    n = x.size(0)
    if n < 2:
        raise ValueError(f'AutoMix mixes pairs within a batch: got batch size {n}; '
                         'expected train_dataloader.batch_size >= 2')
    h, w = x.shape[-2:]
    if h != w or h % 2:
        raise ValueError(f'AutoMix expects square inputs of even size: got {h}x{w}. '
                         'Set the train pipeline crop/resize (e.g. RandomResizedCrop '
                         'scale=224) to a square, even size')


def mask_scale_for(x: torch.Tensor, z: torch.Tensor, mask_scale=None, names=None) -> int:
    """s, the input size divided by the size of the feature z; a ``CoreInputError``
    naming ``mask_scale`` and ``layer`` when the feature does not divide the input."""
    h, w = x.shape[-2:]
    fh, fw = z.shape[-2:]
    s = mask_scale or h // fh
    if s * fh != h or s * fw != w:
        raise CoreInputError(
            '{mask_scale}: the {layer} feature is {fh}x{fw} and the input {h}x{w}; scale '
            '{s} gives {sh}x{sw}. Expected an input size that is a multiple of the feature '
            'size ({mask_scale}=None derives it) or a layer whose feature divides the '
            'input', names, fh=fh, fw=fw, h=h, w=w, s=s, sh=s * fh, sw=s * fw)
    return s


def check_feature_channels(z: torch.Tensor, in_channels: int, names=None) -> None:
    """z has the Mix Block's ``in_channels``, else a ``CoreInputError``."""
    if z.size(1) != in_channels:
        raise CoreInputError('{in_channels}={ic}, but {layer} outputs {c} channels; '
                             'expected {in_channels}={c}', names, ic=in_channels,
                             c=z.size(1))


@torch.no_grad()
def mask_statistics(mask: torch.Tensor, lam: float) -> dict:
    """What the Mix Block's masks look like, logged with the losses (no gradient):
    ``mask_spatial_std``, the mean over samples of M_j's standard deviation across
    pixels (0 for a flat mask: a learned global mixup, not a spatial one), and
    ``mask_lam_error``, the mean over samples of |mean(M_j) − (1 − λ)| (how far each
    mask's share of the paired image is from the label weight it gets)."""
    m_j = mask[:, 1].flatten(1).float()
    return dict(mask_spatial_std=m_j.std(1).mean(),
                mask_lam_error=(m_j.mean(1) - (1 - lam)).abs().mean())


@torch.no_grad()
def source_mask_statistics(mask: torch.Tensor, weights) -> dict:
    """:func:`mask_statistics` for K ≥ 2 sources (AdAutoMix's masks M ∈ [0, 1]^{N×K×H×W},
    Σ_s M_s = 1, source s with label weight w_s): ``mask_spatial_std``, the mean over
    samples and sources of M_s's standard deviation across pixels, and
    ``mask_lam_error``, the mean over samples and sources of |mean(M_s) − w_s|. For K = 2
    with w = (λ, 1 − λ) both equal :func:`mask_statistics`'s (up to rounding): the two
    channels 1 − M_j and M_j have the same spread and the same distance to their weight."""
    m = mask.flatten(2).float()                                   # N×K×HW
    w = m.new_tensor([float(v) for v in weights]).view(1, -1)     # 1×K
    return dict(mask_spatial_std=m.std(2).mean(),
                mask_lam_error=(m.mean(2) - w).abs().mean())


@torch.no_grad()
def attention_entropy(attn: torch.Tensor) -> torch.Tensor:
    """H(P) / log(HW): the entropy of each query position's attention row, divided by
    that of the uniform row and averaged over samples and positions. 1 is uniform
    attention (P v is then the same mean value at every position: a flat mask); lower
    is attention that singles out positions."""
    hw = attn.size(-1)
    if hw < 2:
        return attn.new_ones(())
    p = attn.float()
    return -(p * p.clamp(min=1e-30).log()).sum(-1).mean() / math.log(hw)
