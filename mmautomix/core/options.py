"""The options of AutoMix's and AdAutoMix's steps: one validated object per step, built
once (by the constructor of a front-end, from its arguments or its config) and read by
the core on every step.

Each option has one default, here. A front-end that names its options differently (the
registered models' config keys ``model.alpha``, ``model.head.num_classes``, ...) passes
``keys``: every error, at construction and at a step (labels outside the classes, a
feature that does not divide the image), then names the user's key.
"""
from dataclasses import dataclass, field
from typing import Mapping, Optional

from .mix_block_updates import MixBlockUpdates


def _number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _integer(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int)


@dataclass(frozen=True)
class BranchWeights:
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
        fields = ('mix_k', 'one_q', 'mix_q')
        unknown = sorted(set(weights) - set(fields))
        if unknown:
            raise ValueError(f'{key}: unknown {unknown}; expected keys among {list(fields)}')
        if any(not _number(w) or w < 0 for w in weights.values()):
            raise ValueError(f'{key}={weights}: expected weights >= 0')
        if weights.get('mix_q', 1.0) <= 0:
            raise ValueError(f'{key}.mix_q={weights["mix_q"]}: the mixed-image loss is how '
                             'AutoMix trains the classifier θ_q; expected a weight > 0 '
                             '(every branch weight zero leaves nothing to train)')
        return cls(**weights)


class Named:
    """Mixin: ``keys`` maps an option (or a core term: ``layer``, ``in_channels``) to the
    name the user gave it; :meth:`key` reads it."""
    keys: Mapping[str, str]

    def key(self, name: str) -> str:
        return self.keys.get(name, name)

    def require(self, ok: bool, name: str, expected: str) -> None:
        if not ok:
            raise ValueError(f'{self.key(name)}={getattr(self, name)!r}: expected {expected}')


MASK_ADJUST_TO = ('lam_mb', 'lam_bb')


@dataclass(frozen=True)
class StepOptions(Named):
    """AutoMix's (and SAMix's) step options (``core/step.py``).

    num_classes: classes of the labels. alpha: α of λ ~ Beta(α, α) (AutoMix: 2.0).
    mask_loss_weight: η at the start (a schedule may move the step's η; AutoMix 0.1).
    lam_margin: M_bb is plain mixup's constant mask when min(λ_bb, 1 − λ_bb) ≤ margin;
    negative: off. 0.08, the value of every released AutoMix config (the official
    class's own default, −1, is used by none). mask_scale: s = input size / feature size;
    None derives it from the shapes. no_repeat: re-draw pairings that pair a sample with
    itself (official ``mix_shuffle_no_repeat``). weights: the loss weights.
    updates: which steps train the Mix Block (``mix_block_updates.py``).
    mask_adjust: SAMix's p of rescaling M_bb to mean λ; mask_adjust_to: that λ,
    'lam_mb' (faithful) or 'lam_bb'. one_q_fraction: f in (0, 1], L_one_q on the first
    ⌈f·N⌉ clean images (1: all, as officially).
    """
    num_classes: int
    alpha: float = 2.0
    mask_loss_weight: float = 0.1
    lam_margin: float = 0.08
    mask_scale: Optional[int] = None
    no_repeat: bool = False
    weights: BranchWeights = BranchWeights()
    updates: MixBlockUpdates = field(default_factory=MixBlockUpdates)
    mask_adjust: float = 0.0
    mask_adjust_to: str = 'lam_mb'
    one_q_fraction: float = 1.0
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.require(_integer(self.num_classes) and self.num_classes >= 2, 'num_classes',
                     'the number of classes, an int >= 2')
        self.require(_number(self.alpha) and self.alpha > 0, 'alpha',
                     'a float > 0 (λ ~ Beta(alpha, alpha); AutoMix configs use 2.0)')
        self.require(_number(self.mask_loss_weight) and self.mask_loss_weight >= 0,
                     'mask_loss_weight', 'η >= 0 (AutoMix: 0.1)')
        self.require(_number(self.lam_margin), 'lam_margin',
                     'a float (negative: off; AutoMix configs: 0.08)')
        self.require(self.mask_scale is None
                     or (_integer(self.mask_scale) and self.mask_scale >= 1),
                     'mask_scale', 'None or an int >= 1')
        self.require(_number(self.mask_adjust) and 0 <= self.mask_adjust <= 1,
                     'mask_adjust', 'a probability in [0, 1] (SAMix: 0, or 0.25 in its '
                     'CIFAR 800-epoch config)')
        self.require(self.mask_adjust_to in MASK_ADJUST_TO, 'mask_adjust_to',
                     f'one of {MASK_ADJUST_TO}')
        self.require(_number(self.one_q_fraction) and 0 < self.one_q_fraction <= 1,
                     'one_q_fraction', "a fraction of the batch in (0, 1] (1: θ_q's "
                     'clean-image loss on every image, as officially; to drop it, set '
                     'head_weights.one_q=0)')
        if self.one_q_fraction != 1 and self.weights.one_q == 0:
            f, one_q = self.key('one_q_fraction'), self.key('head_weights') + '.one_q'
            raise ValueError(f'{f}={self.one_q_fraction!r} with {one_q}=0: there is no '
                             f'clean-image loss to take on part of the batch; expected {f}=1')


    #: the flat names a front-end's constructor takes for these options (the official
    #: config keys): ``head_weights`` is ``weights``, ``switch_off`` and
    #: ``mix_block_interval`` make ``updates``, ``mix_shuffle_no_repeat`` is ``no_repeat``
    CONFIG_NAMES = ('alpha', 'mask_loss_weight', 'lam_margin', 'mask_scale',
                    'mix_shuffle_no_repeat', 'head_weights', 'switch_off',
                    'mix_block_interval', 'mask_adjust', 'mask_adjust_to', 'one_q_fraction')

    @classmethod
    def from_config(cls, num_classes, keys: Mapping[str, str], **flat) -> 'StepOptions':
        """The options from their flat names (:data:`CONFIG_NAMES`; missing ones take
        their default), checked once; ``keys`` names them in errors."""
        unknown = sorted(set(flat) - set(cls.CONFIG_NAMES))
        if unknown:
            raise TypeError(f'StepOptions.from_config: unknown {unknown}')
        key = lambda name, fallback: keys.get(name, fallback)   # noqa: E731
        weights = BranchWeights.from_dict(flat.pop('head_weights', None),
                                          key('head_weights', 'head_weights'))
        updates = MixBlockUpdates(
            flat.pop('switch_off', 0.0), flat.pop('mix_block_interval', 1),
            keys=dict(switch_off=key('switch_off', 'switch_off'),
                      interval=key('mix_block_interval', 'mix_block_interval')))
        no_repeat = flat.pop('mix_shuffle_no_repeat', False)
        return cls(num_classes=num_classes, weights=weights, updates=updates,
                   no_repeat=no_repeat, keys=keys, **flat)


@dataclass(frozen=True)
class AdAutoMixOptions(Named):
    """AdAutoMix's step options (``core/adautomix.py``).

    num_classes, mask_scale: as :class:`StepOptions`. alpha: α of the K ratios
    (AdAutoMix: 1.0). mix_samples: K_max, sources per mixed image (configs: 3).
    is_random: K ~ U{2..K_max} per step. beta_radio: β of −β L_k + (1 − β) S
    (configs 0.3 CIFAR, 0.1 ImageNet). mixup_radio: r of the linear K-source mixup in
    θ_q's clean branch (0.5). lam_margin: the margin of M_bb (negative: 0, as officially;
    0.03, the value of every released AdAutoMix config). margin_fix: the intended margin test for K ≥ 3 (faithful:
    False). similarity_every_step: S on every step (True, as officially) or only on
    adversarial steps. adv_interval: every this-many-th update is adversarial (2).
    updates: the ``switch_off`` draw (``mix_block_updates.py``).
    """
    #: the options a front-end takes by these names (``mask_scale`` and ``updates`` come
    #: from the AutoMix options it builds beside)
    CONFIG_NAMES = ('alpha', 'mix_samples', 'is_random', 'adv_interval', 'beta_radio',
                    'mixup_radio', 'lam_margin', 'margin_fix', 'similarity_every_step')

    num_classes: int
    alpha: float = 1.0
    mix_samples: int = 3
    is_random: bool = False
    beta_radio: float = 0.3
    mixup_radio: float = 0.5
    lam_margin: float = 0.03
    margin_fix: bool = False
    similarity_every_step: bool = True
    adv_interval: int = 2
    mask_scale: Optional[int] = None
    updates: MixBlockUpdates = field(default_factory=MixBlockUpdates)
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    weights: BranchWeights = field(default=BranchWeights(), init=False)   # all three, 1

    def __post_init__(self):
        self.require(_integer(self.num_classes) and self.num_classes >= 2, 'num_classes',
                     'the number of classes, an int >= 2')
        self.require(_number(self.alpha) and self.alpha > 0, 'alpha', 'a float > 0 '
                     '(AdAutoMix configs use 1.0)')
        self.require(_integer(self.mix_samples) and self.mix_samples >= 2, 'mix_samples',
                     'the number of source images per mixed image, an int >= 2 '
                     '(AdAutoMix configs: 3)')
        self.require(_integer(self.adv_interval) and self.adv_interval >= 1,
                     'adv_interval', 'an int >= 1 (1: every step adversarial; configs: 2)')
        for name in ('beta_radio', 'mixup_radio'):
            value = getattr(self, name)
            self.require(_number(value) and 0 <= value <= 1, name, 'a weight in [0, 1]')
        self.require(_number(self.lam_margin), 'lam_margin', 'a float')
        self.require(self.mask_scale is None
                     or (_integer(self.mask_scale) and self.mask_scale >= 1),
                     'mask_scale', 'None or an int >= 1')

    def adversarial(self, update: int) -> bool:
        """Whether update ``update`` (0-based) is adversarial (the first one is)."""
        return update % self.adv_interval == 0
