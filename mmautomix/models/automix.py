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
 * ``staged_backward``: on a single process the step runs backward branch by branch
   (L_mix_k + L_mask, then L_one_q, then L_mix_q) and frees each graph before the next
   forward; gradients add up to those of the summed loss, and peak memory holds one
   branch's activations instead of three. Under DDP the summed loss is used (one
   backward per forward is what DDP's reducer expects).

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
from mmengine.optim import OptimWrapper
from mmpretrain.models import ImageClassifier
from mmpretrain.models.backbones import ResNet
from mmpretrain.models.backbones.resnet import BasicBlock, Bottleneck
from mmpretrain.structures import DataSample

from mmautomix.core import (FeatureTap, MixBlockUpdates, StepSkipper, automix_branches,
                            buffer_snapshot, copy_to_ema, ema_update, has_loss)
from mmautomix.core.mixing import mask_scale_for
from mmautomix.core.options import BranchWeights, StepOptions
from mmautomix.registry import MODELS, our_scope
from .mixups.targets import check_no_batch_augments


_CONVS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose1d,
          torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d)


def _output_channels(module):
    """C of a convolution, a ResNet block or a stage of them (its last block); None for
    other modules (the first step then checks the shape they give: a Swin stage's
    ``out_channels``, for one, is that of its patch merging, not of its output)."""
    if isinstance(module, _CONVS + (BasicBlock, Bottleneck)):
        return module.out_channels
    if isinstance(module, torch.nn.Sequential) and len(module):
        return _output_channels(module[-1])
    return None


def _copy_cfg(cfg):
    return copy.deepcopy(cfg) if isinstance(cfg, dict) else cfg


class HeadsNetwork:
    """θ_q or θ_k of the registered model as the step uses it (``core.step``'s
    ``EmaNetwork``/``OnlineNetwork``): ``backbone`` → the shared parameter-free neck →
    ``head`` (one-hot) or ``head_mix``, with the heads' losses. A view of the model's
    modules, not a module: the state dict keeps mmpretrain's names."""

    def __init__(self, backbone, neck, head, head_mix, mix_loss=None):
        self.backbone, self.neck, self.head, self.head_mix = backbone, neck, head, head_mix
        self.mix_loss_module = mix_loss if mix_loss is not None else head_mix.loss_module
        self.tap, self.truncate = None, False   # set on θ_k: the layer z comes from

    def feats(self, x: torch.Tensor):
        feats = self.backbone(x)
        return self.neck(feats) if self.neck is not None else feats

    def feature(self, x: torch.Tensor) -> torch.Tensor:
        """z at the tapped layer (the pass ends there with ``truncate``)."""
        return self.tap(x, stop=self.truncate)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.feats(x)).float()

    def mix_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head_mix(self.feats(x)).float()

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.head.loss_module(logits, labels, avg_factor=len(labels))

    def mix_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.mix_loss_module(logits, target, avg_factor=len(logits))


@MODELS.register_module()
class AutoMix(ImageClassifier):
    """AutoMix classifier (official ``AutoMixup``) on mmpretrain's ``ImageClassifier``.

    Args:
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
            uses plain mixup (constant mask). Negative: off. AutoMix configs: 0.08.
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

    def __init__(self,
                 backbone: dict,
                 mix_block: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 head_mix: Optional[dict] = None,
                 alpha: float = 2.0,
                 momentum: float = 0.999,
                 mask_layer: Union[int, str] = 2,
                 mask_scale: Optional[int] = None,
                 mask_loss_weight: float = 0.1,
                 lam_margin: float = -1.0,
                 mix_shuffle_no_repeat: bool = False,
                 truncate_clean_pass: bool = False,
                 staged_backward: bool = True,
                 head_weights: Optional[dict] = None,
                 switch_off: float = 0.0,
                 mix_block_interval: int = 1,
                 one_q_fraction: float = 1.0,
                 mix_k_loss: Optional[dict] = None,
                 mask_adjust: float = 0.0,
                 mask_adjust_to: str = 'lam_mb',
                 predict_online: bool = False,
                 eval_both: bool = True,
                 max_nonfinite: int = 10,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if head is None:
            raise ValueError('AutoMix needs `model.head` (the one-hot classification head)')
        if not 0 <= momentum <= 1:
            raise ValueError(f'model.momentum={momentum!r}: expected m in [0, 1]')
        check_no_batch_augments(train_cfg, 'AutoMix')
        options = self.step_options(
            num_classes=head.get('num_classes'), alpha=alpha,
            mask_loss_weight=mask_loss_weight, lam_margin=lam_margin,
            mask_scale=mask_scale, no_repeat=mix_shuffle_no_repeat,
            weights=BranchWeights.from_dict(head_weights, 'model.head_weights'),
            updates=MixBlockUpdates(switch_off, mix_block_interval, keys=dict(
                switch_off='model.switch_off', interval='model.mix_block_interval')),
            mask_adjust=mask_adjust, mask_adjust_to=mask_adjust_to,
            one_q_fraction=one_q_fraction)
        with our_scope():
            super().__init__(backbone=_copy_cfg(backbone), neck=neck, head=_copy_cfg(head),
                             train_cfg=None, data_preprocessor=data_preprocessor,
                             init_cfg=init_cfg)
            if head_mix is None:
                head_mix = copy.deepcopy(head)
                loss = head_mix.get('loss', dict(type='CrossEntropyLoss'))
                if loss.get('type') == 'CrossEntropyLoss':
                    loss = dict(loss, use_soft=True)
                head_mix['loss'] = loss
            # θ_q: trained online copies; θ_k (backbone/head/head_mix): EMA, frozen
            self.backbone_q = MODELS.build(_copy_cfg(backbone))
            self.head_q = MODELS.build(_copy_cfg(head))
            self.head_mix_q = MODELS.build(_copy_cfg(head_mix))
            self.head_mix = MODELS.build(_copy_cfg(head_mix))
            self.mix_block = MODELS.build(mix_block)
            self.mix_k_loss = (MODELS.build(mix_k_loss) if mix_k_loss is not None
                               else None)
        for m in (self.backbone, self.head, self.head_mix):
            m.requires_grad_(False)
        self._check_neck(neck)

        self.momentum = self.base_momentum = float(momentum)
        self.mask_layer = mask_layer
        self.mask_loss_weight = options.mask_loss_weight   # η, moved by a schedule hook
        self.staged_backward = staged_backward
        self.theta_k = HeadsNetwork(self.backbone, self.neck if self.with_neck else None,
                                    self.head, self.head_mix, self.mix_k_loss)
        self.theta_q = HeadsNetwork(self.backbone_q, self.neck if self.with_neck else None,
                                    self.head_q, self.head_mix_q)
        self.theta_k.truncate = truncate_clean_pass
        # the one clock (engine/hooks/update_clock.py): optimizer updates applied; every
        # schedule and interval counts them, not the Runner's (micro-batch) iterations
        self.applied_steps = 0
        self.update_applied = False   # whether this iteration's step updated θ_q
        self.step_counted = False     # this iteration's step went through train_step
        self.predict_online = predict_online
        self.eval_both = eval_both
        self.max_nonfinite = max_nonfinite
        self.skipper = StepSkipper(
            max_nonfinite, 'AutoMix',
            'Lower optim_wrapper.optimizer.lr or set optim_wrapper.clip_grad',
            'set train_dataloader.drop_last=True to drop such batches')
        self.nonfinite_decided_by_wrapper = False   # set by AutoMixDDP
        self.ema_steps = 0            # momentum updates done (saved by AutoMixMomentumHook)
        self.record_mix = False       # set by MixedSampleVisHook
        self.last_mix = None
        self._check_mask_layer()
        self.theta_k.tap = self._tap
        self.options = replace(options, keys=dict(
            options.keys, layer=f'backbone layer {self.mask_layer_name!r} (model.mask_layer)'))

    # -- construction helpers -------------------------------------------------------------
    def _check_neck(self, cfg):
        """θ_q and θ_k share one neck (``HeadsNetwork.feats``); that is right only for a neck without
        parameters (global average pooling): one with parameters would be trained by SGD
        as part of θ_q and never averaged into θ_k. Refused rather than silently wrong."""
        if self.with_neck and any(True for _ in self.neck.parameters()):
            raise ValueError(
                f'model.neck={cfg!r} has parameters, but AutoMix shares its neck between '
                'θ_q and θ_k (it would be trained as θ_q and never averaged into θ_k); '
                "expected a neck without parameters, e.g. dict(type='GlobalAveragePooling'),"
                ' or put the layers in the head')

    def _check_mask_layer(self):
        """Resolve ``mask_layer`` to a module of θ_k's backbone (an error naming the key
        and the valid choices otherwise); check its channels now when the module states
        them (convolutions, residual blocks and stages of them)."""
        bb, layer = self.backbone, self.mask_layer
        if isinstance(layer, bool) or not isinstance(layer, (int, str)):
            raise ValueError(f'model.mask_layer={layer!r}: expected a stage index or the '
                             'name of a backbone module')
        if isinstance(layer, int):
            stages = (list(bb.res_layers) if isinstance(bb, ResNet) else
                      [f'{n}.{i}' for n in ('stages', 'layers') if hasattr(bb, n)
                       for i in range(len(getattr(bb, n)))])
            if not stages:
                raise ValueError(f'model.mask_layer={layer!r}: {type(bb).__name__} has no '
                                 'stage list; give the name of a backbone module')
            if not 0 <= layer < len(stages):
                raise ValueError(f'model.mask_layer={layer!r}: expected a stage index in '
                                 f'[0, {len(stages) - 1}] of the {len(stages)}-stage '
                                 'backbone')
            name = stages[layer]
        else:
            name = layer
        self.mask_layer_name = name
        self._tap = FeatureTap(bb, name, key='model.mask_layer')
        channels = _output_channels(self._tap.module)
        if channels is not None and channels != self.mix_block.in_channels:
            raise ValueError(
                f'mix_block.in_channels={self.mix_block.in_channels}, but backbone layer '
                f'{name!r} (model.mask_layer={layer!r}) outputs {channels} channels; '
                f'expected mix_block.in_channels={channels}')

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
    CONFIG_KEYS = dict(num_classes='model.head.num_classes', alpha='model.alpha',
                       mask_loss_weight='model.mask_loss_weight',
                       lam_margin='model.lam_margin', mask_scale='model.mask_scale',
                       no_repeat='model.mix_shuffle_no_repeat',
                       mask_adjust='model.mask_adjust', mask_adjust_to='model.mask_adjust_to',
                       one_q_fraction='model.one_q_fraction',
                       head_weights='model.head_weights', in_channels='mix_block.in_channels',
                       mix_samples='model.mix_samples', adv_interval='model.adv_interval',
                       beta_radio='model.beta_radio', mixup_radio='model.mixup_radio')

    @classmethod
    def step_options(cls, **options) -> StepOptions:
        """The step's options, checked once; errors name the config keys."""
        return StepOptions(**options, keys=cls.CONFIG_KEYS)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample]) -> dict:
        """All losses of one step in one dict (the path used under DDP)."""
        losses = {}
        for part in self._branches(inputs, data_samples):
            losses.update(part)
        if self.nonfinite_decided_by_wrapper:   # AutoMixDDP skips on all ranks together
            return losses
        bad = [k for k, v in losses.items() if k.startswith('loss') and not torch.isfinite(v)]
        if bad:
            raise FloatingPointError(f'AutoMix: non-finite {bad} in this step; refusing to '
                                     'train on it (lower optim_wrapper.optimizer.lr or '
                                     'enable gradient clipping: optim_wrapper.clip_grad)')
        return losses

    # the skip rule's counters, saved and restored by AutoMixMomentumHook
    nonfinite_steps = property(lambda self: self.skipper.nonfinite_steps,
                               lambda self, v: setattr(self.skipper, 'nonfinite_steps', v))
    single_sample_batches = property(
        lambda self: self.skipper.single_sample_batches,
        lambda self, v: setattr(self.skipper, 'single_sample_batches', v))
    step_skipped = property(lambda self: self.skipper.step_skipped)

    def train_step(self, data, optim_wrapper: OptimWrapper):
        """One step; with ``staged_backward`` each branch is backpropagated and freed
        before the next branch's forward (same gradients as the summed loss).

        The losses are checked for non-finite values once, after the backward passes
        and before the optimizer step: one host-device synchronisation per step instead
        of one per branch, and a non-finite step is still never applied (the skip
        rule of ``core/skip.py``, on both paths)."""
        if len(data['inputs']) == 1:
            return self.skip_single_sample_batch(optim_wrapper)
        if self.options.weights.mix_k == 0:
            self._check_mix_block_frozen(optim_wrapper)
        restore_buffers = buffer_snapshot(self)   # used if the step turns out non-finite
        if self.staged_backward:
            log_vars, parts, all_losses = self._staged_backward(data, optim_wrapper)
            total = torch.stack(parts).sum()
        else:
            with optim_wrapper.optim_context(self):
                data = self.data_preprocessor(data, True)
                all_losses = {}
                for losses in self._branches(**data):
                    all_losses.update(losses)
            total, log_vars = self.parse_losses(all_losses)
        if not bool(torch.isfinite(total.detach())):
            return self.skip_nonfinite_step(optim_wrapper, all_losses, restore_buffers)
        if self.staged_backward:
            if optim_wrapper.should_update():
                optim_wrapper.step()
                optim_wrapper.zero_grad()
            log_vars['loss'] = total
        else:
            optim_wrapper.update_params(total)
        self.step_taken(optim_wrapper)
        return log_vars

    def step_taken(self, optim_wrapper: OptimWrapper) -> None:
        """Count a step that was not skipped: the clock advances when the wrapper stepped
        the optimizer on it (every ``accumulative_counts``-th backward)."""
        self.skipper.applied()
        self.update_applied = optim_wrapper.should_update()
        self.applied_steps += int(self.update_applied)
        self.step_counted = True

    def _staged_backward(self, data, optim_wrapper):
        """Forward and backward of the three branches, one after another (a branch a
        knob dropped has no loss and no backward; the last always has one)."""
        log_vars, parts, all_losses = {}, [], {}
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            for i, losses in enumerate(self._branches(**data)):
                all_losses.update(losses)
                if not has_loss(losses):
                    log_vars.update({k: v.detach() for k, v in losses.items()})
                    continue
                parsed, part_vars = self.parse_losses(losses)
                part_vars.pop('loss')
                log_vars.update(part_vars)
                parts.append(parsed.detach())
                if i < 2:
                    self._backward_only(optim_wrapper, parsed)
                else:   # the wrapper's own backward: counts the accumulation step
                    optim_wrapper.backward(optim_wrapper.scale_loss(parsed))
        return log_vars, parts, all_losses

    def _check_mix_block_frozen(self, optim_wrapper):
        """With ``head_weights.mix_k=0`` the Mix Block's classification loss is dropped:
        a non-zero learning rate for it is a mistake (it would never learn masks)."""
        ours = {id(p) for p in self.mix_block.parameters()}
        for group in optim_wrapper.param_groups:
            if group['lr'] and any(id(p) in ours for p in group['params']):
                raise ValueError(
                    f'model.head_weights.mix_k=0 while the Mix Block trains with lr='
                    f'{group["lr"]}: it would never train (its classification loss is '
                    'dropped); expected head_weights.mix_k > 0, or a zero Mix Block '
                    'learning rate (optim_wrapper.paramwise_cfg.custom_keys.mix_block.'
                    'lr_mult=0)')

    @staticmethod
    def _backward_only(optim_wrapper, loss):
        """Backward of one branch with the wrapper's loss scaling (accumulation, AMP),
        without counting it as an update step."""
        loss = optim_wrapper.scale_loss(loss)
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def skip_single_sample_batch(self, optim_wrapper):
        """A batch of one sample has no pair to mix: skipped (core/skip.py)."""
        self.update_applied, self.step_counted = False, True
        optim_wrapper.zero_grad()
        return self.skipper.single_sample_batch()

    def skip_nonfinite_step(self, optim_wrapper, losses, restore_buffers, where=''):
        """A step with a non-finite loss: skipped (core/skip.py)."""
        self.update_applied, self.step_counted = False, True
        optim_wrapper.zero_grad()
        return self.skipper.nonfinite(losses, restore_buffers, where)

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

