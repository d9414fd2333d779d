"""The AdAutoMix classifier (Qin et al., ICLR 2024): AutoMix's two networks θ_q, θ_k and
heads with AdAutoMix's mask generator and adversarial step.

The step (sources, masks, the three loss branches and what the official code does) is
``mmautomix.core.adautomix.adautomix_branches``; this class supplies the networks and
decides which steps are adversarial. Everything else — module names (θ_k owns
``backbone``/``head``), the staged backward, the skip rule, the momentum hook, the
evaluation of θ_k and θ_q — is :class:`AutoMix`'s.
"""
from typing import List, Optional, Union

import torch
from mmpretrain.structures import DataSample

from mmautomix.core.adautomix import adautomix_branches
from mmautomix.core.mixing import mask_scale_for
from mmautomix.core.options import AdAutoMixOptions
from mmautomix.registry import MODELS
from .automix import AutoMix


@MODELS.register_module()
class AdAutoMix(AutoMix):
    """AdAutoMix (official ``AdAutoMix``) on :class:`AutoMix`.

    Args:
        mix_block (dict): the mask generator, ``dict(type='AdaptiveMask', ...)``.
        alpha (float): α of the K ratios. AdAutoMix configs: 1.0.
        mix_samples (int): K, source images per mixed image (>= 2). Configs: 3.
        is_random (bool): draw K uniformly from {2, …, mix_samples} at each step.
        adv_interval (int): every this-many-th step (the first included) is adversarial.
            Configs: 2 (alternating). The count is of steps taken, and it is saved in
            checkpoints with the other counters (the official counter is not).
        beta_radio (float): β of the adversarial loss −β L_k + (1 − β) S (the
            official spelling). Configs: 0.3 (CIFAR), 0.1 (ImageNet), 0.4 (Tiny).
        mixup_radio (float): r, weight of the linear K-source mixup in θ_q's clean
            branch (K >= 3). Configs: 0.5.
        lam_margin (float): the margin of the backbone branch's mask (negative: 0, as
            officially). Default 0.03, every released AdAutoMix config's value.
        margin_fix (bool): with K >= 3 the official margin test (``<`` for ``>=``) makes
            θ_q's mask the constant ℓ on almost every step; True uses the intended
            test (see ``core/adautomix.py``). Default False (faithful).
        similarity_every_step (bool): compute the cosine term S on every step as the
            official step does (True), or only on the adversarial steps that use it.
        switch_off (float): the official ``switch_off`` s (0: off).
        mask_layer, momentum, backbone, head, head_mix, ...: as :class:`AutoMix`.

    AdAutoMix has no mask loss (``mask_loss_weight`` is fixed at 0).
    """

    def __init__(self,
                 backbone: dict,
                 mix_block: dict,
                 alpha: float = 1.0,
                 mix_samples: int = 3,
                 is_random: bool = False,
                 adv_interval: int = 2,
                 beta_radio: float = 0.3,
                 mixup_radio: float = 0.5,
                 lam_margin: float = 0.03,
                 margin_fix: bool = False,
                 similarity_every_step: bool = True,
                 mask_layer: Union[int, str] = 2,
                 **kwargs):
        if kwargs.get('mask_loss_weight', 0):
            raise ValueError(f'model.mask_loss_weight={kwargs["mask_loss_weight"]!r}: '
                             'AdAutoMix has no mask loss; expected 0')
        for key, default in (('head_weights', None), ('mix_block_interval', 1),
                             ('mask_adjust', 0.0), ('one_q_fraction', 1.0)):
            if kwargs.get(key, default) != default:
                raise ValueError(f'model.{key}={kwargs[key]!r}: an AutoMix/SAMix option '
                                 f'that AdAutoMix\'s step does not have; expected {default}')
        options = dict(
            num_classes=kwargs.get('head', {}).get('num_classes'), alpha=alpha,
            mix_samples=mix_samples, is_random=is_random, beta_radio=beta_radio,
            mixup_radio=mixup_radio, lam_margin=lam_margin, margin_fix=margin_fix,
            similarity_every_step=similarity_every_step, adv_interval=adv_interval)
        AdAutoMixOptions(**options, keys=self.CONFIG_KEYS)   # its errors before any build
        kwargs['mask_loss_weight'] = 0.0
        super().__init__(backbone=backbone, mix_block=mix_block, alpha=alpha,
                         lam_margin=lam_margin, mask_layer=mask_layer, **kwargs)
        self.options = AdAutoMixOptions(**options, mask_scale=self.options.mask_scale,
                                        updates=self.options.updates,
                                        keys=self.options.keys)

    def check_train_batch(self, batch_size: Optional[int]):
        """Called by ``AutoMixMomentumHook`` before training: K sources need a batch of
        at least K images (a smaller last batch draws sources with repeats)."""
        if batch_size is not None and batch_size < self.options.mix_samples:
            raise ValueError(
                f'model.mix_samples={self.options.mix_samples} sources per mixed image, but '
                f'train_dataloader.batch_size={batch_size}; expected a batch size >= '
                'model.mix_samples')

    @torch.no_grad()
    def mix_mask(self, x: torch.Tensor, lam: float, index: torch.Tensor,
                 up_mode: Optional[str] = None) -> torch.Tensor:
        """The generator's two-source mask for x and x[index] at weights (λ, 1 − λ):
        M[:, 1] is the weight of x[index], as :meth:`AutoMix.mix_mask`'s M_j."""
        return self.sources_mask(x, [torch.arange(x.size(0), device=x.device), index],
                                 [lam, 1 - lam], up_mode)

    @torch.no_grad()
    def sources_mask(self, x: torch.Tensor, indices, weights,
                     up_mode: Optional[str] = None) -> torch.Tensor:
        """M ∈ [0, 1]^{N×K×H×W}: the generator's masks for K sources x[indices[s]] at
        weights ℓ_s (summing to 1 over s at every pixel); no gradient."""
        z = self.mask_feature(x)
        mode = up_mode or self.mix_block.unsampling_mode[0]
        return self.mix_block(z, indices, weights,
                              mask_scale_for(x, z, self.options.mask_scale),
                              up_mode=mode)

    def _branches(self, inputs: torch.Tensor, data_samples: List[DataSample]):
        """The three loss branches of ``mmautomix.core.adautomix``; the adversarial
        updates are counted by this model's clock of optimizer updates."""
        return adautomix_branches(
            inputs, torch.cat([ds.gt_label for ds in data_samples]),
            self.theta_k, self.theta_q, self.mix_block, self.options,
            adversarial=self.options.adversarial(self.applied_steps), on_mix=self._record)
