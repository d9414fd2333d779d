"""The framework-free AutoMix core: plain PyTorch, nothing of OpenMMLab.

``MixBlock`` (the mask generator, with SAMix's options), ``automix_branches`` (the
bi-level step's losses), ``ema_update``/``momentum_at`` (θ_k), ``FeatureTap`` (z from
any named layer) and ``AutoMixClassifier`` (all of it around any classifier, for a plain training loop);
AdAutoMix's ``AdaptiveMask``, ``adautomix_branches`` and ``AdAutoMixClassifier``;
``StepSkipper`` is the one rule for a step that is not taken (``skip.py``).
mmautomix's registered mmpretrain modules are adapters over these.
"""
from .adaptive_mask import AdaptiveMask, mix_sources
from .adautomix import AdAutoMixClassifier, adautomix_branches
from .classifier import AutoMixClassifier, ClassifierNetwork, soft_cross_entropy
from .ema import copy_to_ema, ema_update, momentum_at
from .feature_tap import FeatureTap, find_layer, tokens_to_grid
from .losses import eta_balanced_soft_cross_entropy
from .mix_block import MixBlock
from .mix_block_options import SAMIX_OPTIONS, rescale_lambda
from .mixing import (CoreInputError, adjust_mask_mean, check_inputs, check_labels,
                     constant_mask, mask_scale_for, mask_statistics, mix, mixed_target,
                     pair_target, permutation, sample_pairs)
from .options import AdAutoMixOptions, BranchWeights, StepOptions
from .skip import StepSkipper, buffer_snapshot, nonfinite_losses
from .mix_block_updates import MixBlockUpdates
from .step import EmaNetwork, OnlineNetwork, automix_branches, has_loss, total_loss

__all__ = ['AdAutoMixClassifier', 'AdAutoMixOptions', 'AdaptiveMask', 'AutoMixClassifier',
           'BranchWeights', 'ClassifierNetwork', 'CoreInputError', 'EmaNetwork',
           'FeatureTap', 'MixBlock', 'MixBlockUpdates', 'OnlineNetwork',
           'SAMIX_OPTIONS', 'StepOptions', 'StepSkipper',
           'adautomix_branches', 'adjust_mask_mean', 'automix_branches',
           'buffer_snapshot', 'check_inputs', 'check_labels', 'constant_mask',
           'copy_to_ema', 'ema_update', 'eta_balanced_soft_cross_entropy',
           'find_layer', 'has_loss', 'mask_scale_for', 'mask_statistics', 'mix',
           'mix_sources', 'mixed_target', 'momentum_at', 'nonfinite_losses',
           'pair_target', 'permutation', 'rescale_lambda',
           'sample_pairs', 'soft_cross_entropy', 'tokens_to_grid', 'total_loss']
