"""SAMix's η-balanced soft cross-entropy (the ``neg_weight`` of its Mix Block head).

For a soft target ŷ = λ y_i + (1 − λ) y_j and logits z, with w = ``neg_weight``:

    W_c = 1 where ŷ_c > 0, else w            (only when w < 1; W = 1 otherwise)
    L   = (1/N) Σ_n Σ_c −ŷ_c W_c log softmax(z)_c

As the official code computes it. Because W differs from 1 only where ŷ_c = 0, where the
term is zero anyway, L equals the plain soft cross-entropy for every w: under the soft
cross-entropy of the official SAMix configs the weight changes nothing (it would act on a
sigmoid loss, which no SAMix config uses). It is kept, named, so that a config that sets
it runs and says what it does.
"""
import torch
import torch.nn.functional as F


def check_neg_weight(neg_weight: float) -> None:
    """η must be in (0, 1]."""
    if not 0 < neg_weight <= 1:
        raise ValueError(f'neg_weight={neg_weight!r}: expected η in (0, 1] (SAMix: 0.5 on '
                         'CIFAR and Tiny-ImageNet, 1 on ImageNet)')


def eta_balanced_soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor,
                                    neg_weight: float = 1.0) -> torch.Tensor:
    """L above, averaged over the batch."""
    check_neg_weight(neg_weight)
    weight = torch.ones_like(target)
    if neg_weight < 1:
        weight = torch.where(target > 0, weight, torch.full_like(target, neg_weight))
    return -(target * weight * F.log_softmax(logits, dim=1)).sum(1).mean()
