"""ManifoldMix: mixup of hidden features at a randomly chosen stage of the backbone.

"Manifold Mixup: Better Representations by Interpolating Hidden States", Verma et al.,
ICML 2019 (the reference tables use OpenMixup's ResNet version).

Per step: λ ~ Beta(α, α), a pairing ``index`` and a layer l drawn uniformly from
``mix_layers``. l = 0 mixes the input images (plain mixup); l ≥ 1 replaces the output
h of the backbone's l-th stage by λ h + (1 − λ) h[index] before the next stage sees it.
The head is trained on the soft target λ y + (1 − λ) y[index].

Defaults are the official ones: layers {0, 1, 2} (OpenMixup's ``layer=(0, 3)``, a
half-open range). Reported tables (docs/reported_results.md): α = 2 on CIFAR-10/100 and Tiny-ImageNet,
α = 0.2 on ImageNet. The mixing is a forward hook on the stage, so any backbone with
mmpretrain's ResNet stage layout (``res_layers``) works, CIFAR stems and ResNeXt
included. Cost: the same as Mixup (one forward and backward).
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmpretrain.models import ImageClassifier

from mmautomix.registry import MODELS, our_scope
from .mask_mix import check_alpha, permutation
from .targets import check_no_batch_augments, check_soft_loss, set_mixed_scores


@MODELS.register_module()
class ManifoldMix(ImageClassifier):
    """ImageClassifier trained with ManifoldMix (see the module docstring).

    Args:
        alpha (float): α of λ ~ Beta(α, α). Reference tables: 2 (CIFAR), 0.2 (ImageNet).
        mix_layers (sequence of int): where to mix, each in [0, number of stages − 1]:
            0 = the input images, l = the output of stage l (1-based).
        backbone, neck, head, ...: as ``ImageClassifier``; the head's cross-entropy
            must take soft targets (``use_soft=True``).
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 alpha: float = 2.0,
                 mix_layers: Sequence[int] = (0, 1, 2),
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        self.alpha = check_alpha(alpha, 'model.alpha', 'ManifoldMix')
        check_soft_loss(head, 'ManifoldMix')
        check_no_batch_augments(train_cfg, 'ManifoldMix')
        with our_scope():
            super().__init__(backbone=backbone, neck=neck, head=head, train_cfg=train_cfg,
                             data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        names = getattr(self.backbone, 'res_layers', None)
        if not names:
            raise ValueError(f'model.backbone={type(self.backbone).__name__}: ManifoldMix '
                             'needs a backbone with mmpretrain\'s ResNet stages '
                             '(`res_layers`), e.g. ResNet, ResNet_CIFAR, ResNeXt')
        layers = list(mix_layers) if isinstance(mix_layers, (list, tuple)) else None
        valid = range(len(names))
        if not layers or any(not isinstance(v, int) or v not in valid for v in layers):
            raise ValueError(f'model.mix_layers={mix_layers!r}: expected a non-empty list '
                             f'of layers in [0, {len(names) - 1}] (0 = input, l = output '
                             f'of stage l of the {len(names)}-stage backbone)')
        self.mix_layers = layers

    def stages(self) -> List[torch.nn.Module]:
        return [getattr(self.backbone, n) for n in self.backbone.res_layers]

    def mixed_features(self, inputs: torch.Tensor, lam: float, index: torch.Tensor,
                       layer: int):
        """Backbone (+ neck) features with the mix at ``layer``."""
        if layer == 0:
            return self.extract_feat(lam * inputs + (1 - lam) * inputs[index])

        def mix_output(module, args, output):
            return lam * output + (1 - lam) * output[index]

        handle = self.stages()[layer - 1].register_forward_hook(mix_output)
        try:
            return self.extract_feat(inputs)
        finally:
            handle.remove()

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        lam = float(np.random.beta(self.alpha, self.alpha))
        index = permutation(inputs.size(0), inputs.device)
        layer = self.mix_layers[np.random.randint(len(self.mix_layers))]
        feats = self.mixed_features(inputs, lam, index, layer)
        set_mixed_scores(data_samples, index, lam, self.head.num_classes)
        return self.head.loss(feats, data_samples)
