"""The mixup family beside AutoMix, each faithful to its paper and official code.

Batch augments (``model.train_cfg.augments=dict(type=...)``, like mmpretrain's Mixup):
FMix, SaliencyMix, SmoothMix, GridMix, and for vision transformers TokenMix. Classifiers (they need the network):
ManifoldMix, PuzzleMix, and for vision transformers TransMix, MixPro and SMMix.
"""
from .fmix import FMix
from .gridmix import GridMix
from .manifoldmix import ManifoldMix
from .mixpro import MixPro
from .puzzlemix import PuzzleMix
from .saliencymix import SaliencyMix
from .smmix import SMMix
from .smoothmix import SmoothMix
from .tokenmix import TokenMix
from .transmix import TransMix

__all__ = ['FMix', 'GridMix', 'ManifoldMix', 'MixPro', 'PuzzleMix', 'SaliencyMix', 'SMMix', 'SmoothMix',
           'TokenMix', 'TransMix']
