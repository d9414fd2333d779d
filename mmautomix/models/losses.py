"""SAMix's Mix Block loss as a registered mmpretrain-style loss module; the formula and
what it does (nothing beyond the soft cross-entropy, under soft targets) are in
``mmautomix/core/losses.py``."""
from typing import Optional

import torch
import torch.nn as nn

from mmautomix.core.losses import check_neg_weight, eta_balanced_soft_cross_entropy
from mmautomix.registry import MODELS


@MODELS.register_module()
class EtaBalancedSoftCrossEntropyLoss(nn.Module):
    """η-balanced soft cross-entropy (official: ``ClsMixupHead(neg_weight=η)`` with
    ``CrossEntropyLoss(use_soft=True)``).

    Args:
        neg_weight (float): η in (0, 1]. SAMix configs: 0.5 (CIFAR, Tiny-ImageNet), 1
            (ImageNet).
        loss_weight (float): a factor on the loss.
    """

    def __init__(self, neg_weight: float = 1.0, loss_weight: float = 1.0):
        super().__init__()
        check_neg_weight(neg_weight)
        self.neg_weight = float(neg_weight)
        self.loss_weight = float(loss_weight)

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                avg_factor: Optional[float] = None, **kwargs) -> torch.Tensor:
        """``label``: soft targets N×K. The mean over the batch, or the sum divided by
        ``avg_factor``."""
        if label.shape != cls_score.shape:
            raise ValueError(f'EtaBalancedSoftCrossEntropyLoss: expected soft targets of '
                             f'shape {tuple(cls_score.shape)}, got {tuple(label.shape)}')
        loss = eta_balanced_soft_cross_entropy(cls_score, label, self.neg_weight)
        if avg_factor is not None:
            loss = loss * cls_score.size(0) / avg_factor
        return self.loss_weight * loss
