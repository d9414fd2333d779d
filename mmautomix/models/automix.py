"""The AutoMix classifier: Mix Block and classifier trained together in one bi-level step.

Notation of the paper (Liu et al., ECCV 2022) and of ``docs/method.md``:
θ_q is the online network (trained by SGD), θ_k its momentum (EMA) copy, M the mask of
the Mix Block, λ ~ Beta(α, α) the mixing ratio, z the θ_k feature the Mix Block reads.

Module names. The deployable model is the EMA one, so it owns mmpretrain's standard
names: ``backbone``/``head`` are θ_k (backbone_k, head_one_k of the official code)
and ``head_mix`` is head_mix_k (the parameter-free ``neck`` serves both models); the
online θ_q lives in ``backbone_q``, ``head_q`` and ``head_mix_q``. Hence ``predict``, ``extract_feat``, mmpretrain's
inference APIs and a detector's ``Pretrained(prefix='backbone.')`` all get the EMA
weights, exactly what the official code exports.

The training step itself (λ and pairs, masks, the three loss branches) is
``mmautomix.core.step.automix_branches``; this class supplies θ_k, θ_q, the heads and
mmengine's optimizer wrapper, and adds what the Runner needs.

Cheaper than the official step, same losses, gradients and statistics:
 * the clean θ_k pass runs under ``no_grad``;
 * W_q z and W_v z are computed once for both Mix Block calls; M_bb is made under
   ``no_grad``;
 * ``staged_backward`` (``models/staged_step.py``): backward branch by branch
   (L_mix_k + L_mask, then L_one_q, then L_mix_q), one branch's activations at a time.

Speed option that changes θ_k's statistics (off by default): ``truncate_clean_pass=True``
stops the clean θ_k pass at the layer the Mix Block reads (any backbone: a forward
hook ends the pass there), which saves the rest of that forward. The BN running
statistics of θ_k's later stages then average over the mixed images x_mb only, not over
x and x_mb as in the official step; θ_k is the model that is evaluated and exported, so
the faithful full pass is the default.
"""
import copy
from dataclasses import replace
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmpretrain.models import ImageClassifier
from mmpretrain.structures import DataSample

from mmautomix.core import automix_branches, copy_to_ema, ema_update
from mmautomix.core.mixing import mask_scale_for
from mmautomix.core.options import StepOptions
from mmautomix.registry import MODELS, our_scope
from .config_keys import MODEL_CONFIG_KEYS
from .heads_network import HeadsNetwork, check_shared_neck, copy_cfg
from .mask_layer import resolve_mask_layer
from .mixups.targets import check_no_batch_augments
from .staged_step import StagedTrainStep


@MODELS.register_module()
class AutoMix(StagedTrainStep, ImageClassifier):
    """AutoMix classifier (official ``AutoMixup``) on mmpretrain's ``ImageClassifier``.

    Args (``**options`` takes the step's options, ``StepOptions.CONFIG_NAMES``: alpha,
    mask_scale, mask_loss_weight, lam_margin, mix_shuffle_no_repeat, head_weights,
    switch_off, mix_block_interval, one_q_fraction, mask_adjust, mask_adjust_to, checked
    once by ``StepOptions.from_config`` with their config keys, and the model's own,
    :attr:`MODEL_OPTIONS`: truncate_clean_pass, staged_backward, predict_online,
    eval_both, max_nonfinite; any other name is refused, naming it):
        backbone, neck, head: θ's architecture as in ``ImageClassifier``. The backbone
            and heads are built twice: θ_k (``backbone``/``head``, EMA, frozen) and θ_q
            (``backbone_q``/``head_q``, trained). ``head`` is the one-hot head
            (``head_one``). The neck is shared by both and must have no parameters
            (global average pooling, as in every official config).
        mix_block (dict): the Mix Block, e.g. ``dict(type='PixelMixBlock', ...)``.
        head_mix (dict, optional): the mixup head; defaults to ``head`` with a soft-label
            cross-entropy. Built twice as well (``head_mix`` = k, ``head_mix_q`` = q).
        alpha (float): α of Beta(α, α). AutoMix configs: 2.0.
        momentum (float): base m, the weight θ_k *keeps* at each update
            (θ_k ← m·θ_k + (1−m)·θ_q; mmpretrain's ``CosineEMA`` calls 1−m momentum);
            ``AutoMixMomentumHook`` schedules it. ``momentum >= 1`` freezes θ_k.
        mask_layer (int | str): the backbone layer whose output z the Mix Block reads:
            a stage index (ResNet ``res_layers[i]``, ConvNeXt/Swin ``stages.i``,
            ViT/DeiT ``layers.i``) or a module name inside the backbone. Token outputs
            are reshaped to their grid (class/distillation tokens dropped).
        mask_scale (int, optional): s, input size / feature size. ``None`` derives it
            from the shapes (the official rule gives the same numbers: 2^mask_layer up
            to 64 px, 2^(2+mask_layer) above).
        mask_loss_weight (float): η, weight of the Mix Block's mask loss (the official
            ``mask_loss``; ``MaskLossCosineHook`` may schedule it).
        lam_margin (float): if λ_bb or 1−λ_bb is at most this, the backbone branch
            uses plain mixup (constant mask). Negative: off. Default 0.08, the value
            of every released AutoMix config (``StepOptions``: one default per knob).
        mix_shuffle_no_repeat (bool): re-draw permutations to avoid fixed points.
        truncate_clean_pass (bool): stop the clean θ_k pass at ``mask_layer`` (a speed
            option that changes θ_k's BN statistics; see the module docstring).
        staged_backward (bool): see the module docstring.
        head_weights (dict, optional): weights of the losses ``mix_k`` (θ_k on x_mb, the
            Mix Block's), ``one_q`` (θ_q on x), ``mix_q`` (θ_q on x_bb); 1 each by
            default, as in every official config (``head_weights``). A zero weight drops
            that branch's network pass (speed: ``one_q=0`` saves θ_q's clean pass; the
            one-hot heads then never train and ``predict`` uses the mixup heads).
        switch_off (float): the official ``switch_off`` s in [0, 1]: with probability
            1 − s (s > 0) a step skips the Mix Block's classification branch (no θ_k pass
            on x_mb; the mask loss still trains it). 0: off (official CNN configs; the
            ViT/ConvNeXt ImageNet configs use 0.8). See ``core/mix_block_updates.py``.
        mix_block_interval (int): ours: the Mix Block trains on every k-th step only; in
            between it makes the masks without a gradient (no θ_k pass on x_mb, no Mix
            Block backward). 1: every step (the official behaviour). Under DDP the
            steps in between leave the Mix Block without gradients: set
            ``model_wrapper_cfg.find_unused_parameters=True``.
        one_q_fraction (float): ours: f in (0, 1]; θ_q's clean-image loss L_one_q is
            the mean over the first ⌈f·N⌉ images of the batch only, so θ_q's clean pass
            costs f of a full one (a speed option that keeps a clean-image signal,
            which ``head_weights.one_q=0`` drops). 1: every image (the official step).
        mix_k_loss (dict, optional): the loss of L_mix_k (θ_k on x_mb, the Mix Block's
            classification loss) when it differs from ``head_mix``'s; SAMix's configs
            set ``dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5)``.
        mask_adjust (float): SAMix's p: with probability p the backbone branch's mask
            M_bb is rescaled so its share of x has spatial mean λ (0 in every released
            config but SAMix's CIFAR-100 800-epoch one: 0.25).
        mask_adjust_to (str): the λ of that rescaling: 'lam_mb' (faithful, the official
            step rescales to the Mix Block call's λ_mb) or 'lam_bb' (the fix: the λ_bb
            M_bb's images are labelled with).
        predict_online (bool): ``predict`` uses θ_q instead of θ_k.
        eval_both (bool): during evaluation also attach the other model's scores (as
            ``pred_score_other``) so ``AutoMixAccuracy`` logs EMA and online top-1.
        max_nonfinite (int): a step with a non-finite loss, like a batch of one sample,
            is skipped with a warning by the project's one rule (``core/skip.py``: no
            parameter update, buffers restored, no EMA update of θ_k and no count of
            it: ``AutoMixMomentumHook`` reads ``step_skipped``); training stops after
            this many non-finite steps. Same on the staged and the summed path; under
            DDP with ``AutoMixDDP`` (the configs' model wrapper) the ranks skip and
            stop together; with plain ``MMDistributedDataParallel`` the first
            non-finite loss stops training.
    """

    #: the model's own options (``**options`` besides the step's) and their defaults
    MODEL_OPTIONS = dict(truncate_clean_pass=False, staged_backward=True,
                         predict_online=False, eval_both=True, max_nonfinite=10)
    #: every name ``**options`` takes (``tools/train.py`` checks ``--cfg-options`` by it)
    CONFIG_OPTIONS = StepOptions.CONFIG_NAMES + tuple(MODEL_OPTIONS)

    def __init__(self,
                 backbone: dict,
                 mix_block: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 head_mix: Optional[dict] = None,
                 momentum: float = 0.999,
                 mask_layer: Union[int, str] = 2,
                 mix_k_loss: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **options):
        if head is None:
            raise ValueError('AutoMix needs `model.head` (the one-hot classification head)')
        if not 0 <= momentum <= 1:
            raise ValueError(f'model.momentum={momentum!r}: expected m in [0, 1]')
        unknown = sorted(set(options) - set(self.CONFIG_OPTIONS))
        if unknown:
            raise TypeError(f'model.{unknown[0]}: {type(self).__name__} has no option '
                            f'{unknown[0]!r}; expected one of {sorted(self.CONFIG_OPTIONS)}')
        check_no_batch_augments(train_cfg, 'AutoMix')
        if (head.get('loss') or {}).get('use_soft'):
            raise ValueError(
                'model.head.loss.use_soft=True: AutoMix gives its one-hot head hard labels '
                '(the mixed-sample head, head_mix, is built from it with use_soft=True); '
                'expected use_soft=False')
        own = {k: options.pop(k, d) for k, d in self.MODEL_OPTIONS.items()}
        options = StepOptions.from_config(head.get('num_classes'), self.CONFIG_KEYS,
                                          **options)
        with our_scope():
            super().__init__(backbone=copy_cfg(backbone), neck=neck, head=copy_cfg(head),
                             train_cfg=None, data_preprocessor=data_preprocessor,
                             init_cfg=init_cfg)
            if head_mix is None:
                head_mix = copy.deepcopy(head)
                loss = head_mix.get('loss', dict(type='CrossEntropyLoss'))
                if loss.get('type') == 'CrossEntropyLoss':
                    loss = dict(loss, use_soft=True)
                head_mix['loss'] = loss
            # θ_q: trained online copies; θ_k (backbone/head/head_mix): EMA, frozen
            self.backbone_q = MODELS.build(copy_cfg(backbone))
            self.head_q = MODELS.build(copy_cfg(head))
            self.head_mix_q = MODELS.build(copy_cfg(head_mix))
            self.head_mix = MODELS.build(copy_cfg(head_mix))
            self.mix_block = MODELS.build(mix_block)
            self.mix_k_loss = (MODELS.build(mix_k_loss) if mix_k_loss is not None
                               else None)
        for m in (self.backbone, self.head, self.head_mix):
            m.requires_grad_(False)
        check_shared_neck(self.neck if self.with_neck else None, neck)

        self.momentum = self.base_momentum = float(momentum)
        self.mask_layer = mask_layer
        self.mask_loss_weight = options.mask_loss_weight   # η, moved by a schedule hook
        self.staged_backward = own['staged_backward']
        self.theta_k = HeadsNetwork(self.backbone, self.neck if self.with_neck else None,
                                    self.head, self.head_mix, self.mix_k_loss)
        self.theta_q = HeadsNetwork(self.backbone_q, self.neck if self.with_neck else None,
                                    self.head_q, self.head_mix_q)
        self.theta_k.truncate = own['truncate_clean_pass']
        self.init_step_state(own['max_nonfinite'])
        self.predict_online = own['predict_online']
        self.eval_both = own['eval_both']
        self.ema_steps = 0            # momentum updates done (models/step_state.py)
        self.record_mix = False       # set by MixedSampleVisHook
        self.last_mix = None
        self.mask_layer_name, self.theta_k.tap = resolve_mask_layer(
            self.backbone, mask_layer, self.mix_block.in_channels)
        self.options = replace(options, keys=dict(
            options.keys, layer=f'backbone layer {self.mask_layer_name!r} (model.mask_layer)'))

    def _online_modules(self):
        return [self.backbone_q, self.head_q, self.head_mix_q]

    def _ema_modules(self):
        return [self.backbone, self.head, self.head_mix]

    def init_weights(self):
        """Initialise θ_q and the Mix Block (heads: normal(std=0.01), zero bias, mmpretrain's
        ``LinearClsHead`` default and the reference's), then copy θ_q's parameters into θ_k."""
        super().init_weights()
        self.copy_online_to_ema()

    def copy_online_to_ema(self):
        copy_to_ema(self._online_modules(), self._ema_modules())

    def momentum_update(self):
        """θ_k ← m·θ_k + (1−m)·θ_q for parameters only; θ_k keeps its own BN buffers."""
        self.ema_steps += 1
        ema_update(self._online_modules(), self._ema_modules(), self.momentum)

    # -- the training step ------------------------------------------------------------------
    # the passes the core step and the tools (pictures, step benchmark) are made of
    def mask_feature(self, x: torch.Tensor) -> torch.Tensor:
        """z: output of θ_k's layer ``mask_layer`` on the images x (in the model's current
        mode; the step calls it in train mode); the pass ends there with
        ``truncate_clean_pass``."""
        return self.theta_k.feature(x)

    @property
    def truncate_clean_pass(self) -> bool:
        """θ_k's clean pass ends at ``mask_layer`` (see the module docstring)."""
        return self.theta_k.truncate

    @truncate_clean_pass.setter
    def truncate_clean_pass(self, value: bool):
        self.theta_k.truncate = bool(value)

    @torch.no_grad()
    def mix_mask(self, x: torch.Tensor, lam: float, index: torch.Tensor,
                 up_mode: Optional[str] = None) -> torch.Tensor:
        """M ∈ [0, 1]^{N×2×H×W}, the mask the Mix Block makes for mixing x with x[index]
        at ratio λ (M[:, 1] = M_j, the weight of x[index]), from θ_k's feature z in the
        model's current mode; ``up_mode`` fixes the upsampling (default: the first of
        ``unsampling_mode``). For pictures and analysis: no gradient."""
        z = self.mask_feature(x)
        mode = up_mode or self.mix_block.unsampling_mode[0]
        return self.mix_block(z, lam, index, mask_scale_for(x, z, self.options.mask_scale),
                              up_mode=mode)

    def _record(self, x, idx, lam, mask, mixed):
        if self.record_mix:
            self.last_mix = dict(x=x.detach(), idx=idx, lam=lam, mask=mask.detach(),
                                 mixed=mixed.detach())

    def _branches(self, inputs: torch.Tensor, data_samples: List[DataSample]):
        """The three loss branches of ``mmautomix.core.step`` with θ_k, θ_q and their
        heads; the clock is this model's count of optimizer updates."""
        return automix_branches(
            inputs, torch.cat([ds.gt_label for ds in data_samples]),   # on the host
            self.theta_k, self.theta_q, self.mix_block, self.options,
            mask_loss_weight=self.mask_loss_weight, step=self.applied_steps,
            on_mix=self._record)

    #: the config keys of the step's options and of the core's terms
    CONFIG_KEYS = MODEL_CONFIG_KEYS

    # -- evaluation ---------------------------------------------------------------------
    def predict(self, inputs, data_samples=None, **kwargs):
        """Predictions of θ_k (the EMA model) by default, of θ_q with ``predict_online``.
        With ``eval_both`` the other model's scores are attached as ``pred_score_other``.
        With ``head_weights.one_q=0`` the one-hot heads never train, so both models
        predict with their mixup heads (``head_mix``, ``head_mix_q``), as the official
        evaluation reports the mixup head's accuracy beside the one-hot head's."""
        mix_heads = self.options.weights.one_q == 0
        main, other = ((self.theta_q, self.theta_k) if self.predict_online else
                       (self.theta_k, self.theta_q))
        head = main.head_mix if mix_heads else main.head
        samples = head.predict(main.feats(inputs), data_samples, **kwargs)
        if self.eval_both:
            scores = F.softmax(other.mix_logits(inputs) if mix_heads else
                               other.logits(inputs), dim=1)
            for ds, sc in zip(samples, scores):
                ds.set_field(sc, 'pred_score_other')
        return samples

