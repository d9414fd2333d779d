"""The AutoMix classifier: Mix Block and classifier trained together in one bi-level step.

Notation of the paper (Liu et al., ECCV 2022) and of ``docs/method.md``:
θ_q is the online network (trained by SGD), θ_k its momentum (EMA) copy, M the mask of
the Mix Block, λ ~ Beta(α, α) the mixing ratio, z the θ_k feature the Mix Block reads.

Module names. The deployable model is the EMA one, so it owns mmpretrain's standard
names: ``backbone``/``neck``/``head`` are θ_k (backbone_k, head_one_k of the official
code) and ``head_mix`` is head_mix_k; the online θ_q lives in ``backbone_q``,
``head_q`` and ``head_mix_q``. Hence ``predict``, ``extract_feat``, mmpretrain's
inference APIs and a detector's ``Pretrained(prefix='backbone.')`` all get the EMA
weights, exactly what the official code exports.

One training iteration (docs/method.md §1.3):
 1. λ_mb, λ_bb ~ Beta(α, α); two permutations idx_mb, idx_bb of the local batch.
 2. z = θ_k backbone stage ``mask_layer`` on the clean images (no graph: θ_k is frozen).
 3. M_mb = MixBlock(z, λ_mb, idx_mb) (with gradient), M_bb = MixBlock(z, λ_bb, idx_bb)
    (detached); with ``lam_margin``, an extreme λ_bb makes M_bb the constant λ_bb.
 4. x_mb = x ⊙ M_mb[0] + x[idx_mb] ⊙ M_mb[1], and likewise x_bb.
 5. L_mix_k = mixup CE of θ_k on x_mb (reaches only the Mix Block, through x_mb),
    L_mask = η · MixBlock.mask_loss(M_mb, λ_mb), L_one_q = CE of θ_q on x,
    L_mix_q = mixup CE of θ_q on x_bb. One optimizer step on their sum.

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
stops the clean θ_k pass at the stage the Mix Block reads (ResNet-family backbones),
which saves the rest of that forward. The BN running statistics of θ_k's later stages
then average over the mixed images x_mb only, not over x and x_mb as in the official
step; θ_k is the model that is evaluated and exported, so the faithful full pass is the
default.
"""
import copy
import warnings
from typing import List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmpretrain.models import ImageClassifier
from mmpretrain.models.backbones import ResNet
from mmpretrain.structures import DataSample

from mmautomix.registry import MODELS, our_scope
from .mixups.mask_mix import permutation
from .mixups.targets import check_labels, check_no_batch_augments


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


def _copy_cfg(cfg):
    return copy.deepcopy(cfg) if isinstance(cfg, dict) else cfg


@MODELS.register_module()
class AutoMix(ImageClassifier):
    """AutoMix classifier (official ``AutoMixup``) on mmpretrain's ``ImageClassifier``.

    Args:
        backbone, neck, head: θ's architecture as in ``ImageClassifier``. They are built
            twice: θ_k (``backbone``/``head``, EMA, frozen) and θ_q (``backbone_q``/
            ``head_q``, trained). ``head`` is the one-hot head (``head_one``).
        mix_block (dict): the Mix Block, e.g. ``dict(type='PixelMixBlock', ...)``.
        head_mix (dict, optional): the mixup head; defaults to ``head`` with a soft-label
            cross-entropy. Built twice as well (``head_mix`` = k, ``head_mix_q`` = q).
        alpha (float): α of Beta(α, α). AutoMix configs: 2.0.
        momentum (float): base EMA momentum m (set each iteration by
            ``AutoMixMomentumHook``). ``momentum >= 1`` freezes θ_k.
        mask_layer (int): backbone stage whose output z the Mix Block reads.
        mask_scale (int, optional): s, input size / feature size. ``None`` derives it
            from the shapes (the official rule gives the same numbers: 2^mask_layer up
            to 64 px, 2^(2+mask_layer) above).
        mask_loss (float): η, weight of the Mix Block's mask loss.
        lam_margin (float): if λ_bb or 1−λ_bb is at most this, the backbone branch
            uses plain mixup (constant mask). Negative: off. AutoMix configs: 0.08.
        mask_up_override (str, optional): upsampling mode of the Mix Block branch call.
        mix_shuffle_no_repeat (bool): re-draw permutations to avoid fixed points.
        truncate_clean_pass (bool): stop the clean θ_k pass at ``mask_layer`` (a speed
            option that changes θ_k's BN statistics; see the module docstring).
        staged_backward (bool): see the module docstring.
        predict_online (bool): ``predict`` uses θ_q instead of θ_k.
        eval_both (bool): during evaluation also attach the other model's scores (as
            ``pred_score_other``) so ``AutoMixAccuracy`` logs EMA and online top-1.
        max_nonfinite (int): non-finite losses are never trained on: the step is
            skipped with a warning (no parameter update, BN statistics restored), and
            training stops after this many skipped steps. Under DDP with ``AutoMixDDP``
            (the configs' model wrapper) the ranks skip and stop together; with plain
            ``MMDistributedDataParallel`` the first non-finite loss stops training.
    """

    def __init__(self,
                 backbone: dict,
                 mix_block: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 head_mix: Optional[dict] = None,
                 alpha: float = 2.0,
                 momentum: float = 0.999,
                 mask_layer: int = 2,
                 mask_scale: Optional[int] = None,
                 mask_loss: float = 0.1,
                 lam_margin: float = -1.0,
                 mask_up_override: Optional[str] = None,
                 mix_shuffle_no_repeat: bool = False,
                 truncate_clean_pass: bool = False,
                 staged_backward: bool = True,
                 predict_online: bool = False,
                 eval_both: bool = True,
                 max_nonfinite: int = 10,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if head is None:
            raise ValueError('AutoMix needs `model.head` (the one-hot classification head)')
        if not (isinstance(alpha, (int, float)) and alpha > 0):
            raise ValueError(f'model.alpha={alpha!r}: expected a float > 0 '
                             '(λ ~ Beta(alpha, alpha); AutoMix configs use 2.0)')
        if not 0 <= momentum <= 1:
            raise ValueError(f'model.momentum={momentum!r}: expected m in [0, 1]')
        if mask_scale is not None and (not isinstance(mask_scale, int) or mask_scale < 1):
            raise ValueError(f'model.mask_scale={mask_scale!r}: expected None or an int >= 1')
        check_no_batch_augments(train_cfg, 'AutoMix')
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
        for m in (self.backbone, self.head, self.head_mix):
            m.requires_grad_(False)

        self.alpha = float(alpha)
        self.momentum = self.base_momentum = float(momentum)
        self.mask_layer = mask_layer
        self.mask_scale = mask_scale
        self.mask_loss = float(mask_loss)
        self.lam_margin = float(lam_margin)
        self.mask_up_override = mask_up_override
        self.mix_shuffle_no_repeat = mix_shuffle_no_repeat
        self.truncate_clean_pass = truncate_clean_pass
        self.staged_backward = staged_backward
        self.predict_online = predict_online
        self.eval_both = eval_both
        self.max_nonfinite = max_nonfinite
        self.nonfinite_steps = 0
        self.single_sample_batches = 0
        self.nonfinite_decided_by_wrapper = False   # set by AutoMixDDP
        self.ema_steps = 0            # momentum updates done (a run's count, not saved)
        self.record_mix = False       # set by MixedSampleVisHook
        self.last_mix = None
        self._check_mask_layer()

    # -- construction helpers -------------------------------------------------------------
    def _check_mask_layer(self):
        bb = self.backbone
        if isinstance(bb, ResNet):
            n = len(bb.res_layers)
            if not isinstance(self.mask_layer, int) or not 0 <= self.mask_layer < n:
                raise ValueError(f'model.mask_layer={self.mask_layer!r}: expected a stage '
                                 f'index in [0, {n - 1}] of the {n}-stage backbone')
            channels = getattr(bb, bb.res_layers[self.mask_layer])[-1].out_channels
            if channels != self.mix_block.in_channels:
                raise ValueError(
                    f'mix_block.in_channels={self.mix_block.in_channels}, but backbone stage '
                    f'{self.mask_layer} (model.mask_layer) outputs {channels} channels; '
                    f'expected mix_block.in_channels={channels}')
        else:
            outs = list(getattr(bb, 'out_indices', ()))
            if self.mask_layer not in outs:
                raise ValueError(f'model.mask_layer={self.mask_layer!r}: the backbone '
                                 f'outputs stages {outs}; add {self.mask_layer} to '
                                 '`model.backbone.out_indices`')

    def _online_modules(self):
        return [self.backbone_q, self.head_q, self.head_mix_q]

    def _ema_modules(self):
        return [self.backbone, self.head, self.head_mix]

    def init_weights(self):
        """Initialise θ_q and the Mix Block (heads: normal(std=0.01), zero bias, mmpretrain's
        ``LinearClsHead`` default and the reference's), then copy θ_q's parameters into θ_k."""
        super().init_weights()
        self.copy_online_to_ema()

    @torch.no_grad()
    def copy_online_to_ema(self):
        for q, k in zip(self._online_modules(), self._ema_modules()):
            for p_q, p_k in zip(q.parameters(), k.parameters()):
                p_k.copy_(p_q)

    @torch.no_grad()
    def momentum_update(self):
        """θ_k ← m·θ_k + (1−m)·θ_q for parameters only; θ_k keeps its own BN buffers."""
        self.ema_steps += 1
        if self.momentum >= 1:
            return
        k_params, q_params = [], []
        for q, k in zip(self._online_modules(), self._ema_modules()):
            k_params += list(k.parameters())
            q_params += list(q.parameters())
        torch._foreach_lerp_(k_params, q_params, 1.0 - self.momentum)

    # -- the training step ------------------------------------------------------------------
    def _mask_feature(self, x):
        """z: output of θ_k's stage ``mask_layer`` on the clean images (train mode)."""
        bb = self.backbone
        if not isinstance(bb, ResNet):
            outs = bb(x)
            return outs[list(bb.out_indices).index(self.mask_layer)]
        h = bb.stem(x) if bb.deep_stem else bb.relu(bb.norm1(bb.conv1(x)))
        if hasattr(bb, 'maxpool'):  # the CIFAR stems have none
            h = bb.maxpool(h)
        z = None
        for i, name in enumerate(bb.res_layers):
            h = getattr(bb, name)(h)
            if i == self.mask_layer:
                z = h
                if self.truncate_clean_pass:
                    break
        return z

    def _permutation(self, n, device, cyclic_fallback):
        idx = permutation(n, device, self.mix_shuffle_no_repeat)
        ar = torch.arange(n, device=device)
        if (self.mix_shuffle_no_repeat and cyclic_fallback and bool((idx == ar).any())
                and n > 2):
            shift = int(np.random.randint(1, n - 1))
            idx = (ar + shift) % n
        return idx

    def _scale_for(self, x, z):
        h, w = x.shape[-2:]
        fh, fw = z.shape[-2:]
        s = self.mask_scale or h // fh
        if s * fh != h or s * fw != w:
            raise ValueError(
                f'model.mask_scale: the stage-{self.mask_layer} feature is {fh}x{fw} and '
                f'the input {h}x{w}; scale {s} gives {s * fh}x{s * fw}. Expected an input '
                f'size that is a multiple of the feature size (mask_scale=None derives it) '
                'or a mask_layer whose feature divides the input')
        return s

    def _check_inputs(self, x):
        n = x.size(0)
        if n < 2:
            raise ValueError(f'AutoMix mixes pairs within a batch: got batch size {n}; '
                             'expected train_dataloader.batch_size >= 2')
        h, w = x.shape[-2:]
        if h != w or h % 2:
            raise ValueError(f'AutoMix expects square inputs of even size: got {h}x{w}. '
                             'Set the train pipeline crop/resize (e.g. RandomResizedCrop '
                             'scale=224) to a square, even size')

    def _feats(self, backbone, x):
        feats = backbone(x)
        return self.neck(feats) if self.with_neck else feats

    def _logits(self, backbone, head, x):
        return head(self._feats(backbone, x)).float()

    @staticmethod
    def _mixed(x, mask, idx):
        return x * mask[:, :1] + x[idx] * mask[:, 1:]

    def _soft_target(self, y, idx, lam, num_classes):
        one_hot = F.one_hot(y, num_classes).float()
        return lam * one_hot + (1 - lam) * one_hot[idx]

    def _branches(self, inputs: torch.Tensor, data_samples: List[DataSample]):
        """Yield the loss dicts of the three branches, in the order they can be freed."""
        x = inputs
        self._check_inputs(x)
        n = x.size(0)
        y = torch.cat([ds.gt_label for ds in data_samples])
        check_labels(y, self.head.num_classes)     # on the host: no device sync
        y = y.to(x.device)
        lam_mb, lam_bb = (float(v) for v in np.random.beta(self.alpha, self.alpha, 2))
        idx_mb = self._permutation(n, x.device, cyclic_fallback=True)
        idx_bb = self._permutation(n, x.device, cyclic_fallback=False)

        with torch.no_grad():
            z = self._mask_feature(x)
        s = self._scale_for(x, z)
        proj = self.mix_block.project(z)
        mask_mb = self.mix_block(z, lam_mb, idx_mb, s, up_mode=self.mask_up_override,
                                 projections=proj)
        with torch.no_grad():
            if 0 <= self.lam_margin and min(lam_bb, 1 - lam_bb) <= self.lam_margin:
                mask_bb = x.new_tensor([lam_bb, 1 - lam_bb]).view(1, 2, 1, 1)
            else:
                mask_bb = self.mix_block(z, lam_bb, idx_bb, s,
                                         projections=tuple(p.detach() for p in proj))
        x_mb = self._mixed(x, mask_mb, idx_mb)
        x_bb = self._mixed(x, mask_bb, idx_bb)
        if self.record_mix:
            self.last_mix = dict(x=x.detach(), idx=idx_mb, lam=lam_mb,
                                 mask=mask_mb.detach(), mixed=x_mb.detach())
        num_classes = self.head.num_classes

        # Mix Block branch: θ_k is frozen, so L_mix_k reaches only the Mix Block via x_mb
        logits = self._logits(self.backbone, self.head_mix, x_mb)
        losses = dict(loss_mix_k=self.head_mix.loss_module(
            logits, self._soft_target(y, idx_mb, lam_mb, num_classes), avg_factor=n))
        if self.mask_loss > 0:
            losses['loss_mask'] = self.mask_loss * self.mix_block.mask_loss(mask_mb, lam_mb)
        losses.update(mask_statistics(mask_mb, lam_mb))
        del x_mb, mask_mb, proj, logits
        yield losses

        # online branch, clean images
        logits = self._logits(self.backbone_q, self.head_q, x)
        acc = (logits.argmax(1) == y).float().mean() * 100
        yield dict(loss_one_q=self.head_q.loss_module(logits, y, avg_factor=n),
                   acc_one_q=acc.detach())
        del logits

        # online branch, mixed images (M_bb carries no gradient)
        logits = self._logits(self.backbone_q, self.head_mix_q, x_bb)
        yield dict(loss_mix_q=self.head_mix_q.loss_module(
            logits, self._soft_target(y, idx_bb, lam_bb, num_classes), avg_factor=n))

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

    def train_step(self, data, optim_wrapper: OptimWrapper):
        """One step; with ``staged_backward`` each branch is backpropagated and freed
        before the next branch's forward (same gradients as the summed loss).

        The losses are checked for non-finite values once, after the three backward
        passes and before the optimizer step: one host-device synchronisation per step
        instead of one per branch, and a non-finite step is still never applied."""
        if len(data['inputs']) == 1:
            return self._skip_single_sample_batch(optim_wrapper)
        if not self.staged_backward:
            return super().train_step(data, optim_wrapper)
        log_vars, total, parts = {}, 0.0, []
        restore_buffers = self.buffer_snapshot()   # used if the step turns out non-finite
        all_losses = {}
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            for losses in self._branches(**data):
                parsed, part_vars = self.parse_losses(losses)
                total += part_vars.pop('loss')
                log_vars.update(part_vars)
                all_losses.update(losses)
                parts.append(parsed.detach())
                if len(parts) < 3:
                    self._backward_only(optim_wrapper, parsed)
                else:   # the wrapper's own backward: counts the accumulation step
                    optim_wrapper.backward(optim_wrapper.scale_loss(parsed))
        if not bool(torch.isfinite(torch.stack(parts)).all()):
            restore_buffers()
            return self._skip_step(optim_wrapper, all_losses)
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        log_vars['loss'] = total
        return log_vars

    def buffer_snapshot(self):
        """Copy every buffer (BN statistics) now; return a function that puts the copies
        back, for a step that is skipped after its forward passes."""
        buffers = list(self.buffers())
        saved = torch._foreach_add(buffers, 0) if buffers else []

        def restore():
            if buffers:
                torch._foreach_copy_(buffers, saved)
        return restore

    @staticmethod
    def _backward_only(optim_wrapper, loss):
        """Backward of one branch with the wrapper's loss scaling (accumulation, AMP),
        without counting it as an update step."""
        loss = optim_wrapper.scale_loss(loss)
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def _skip_single_sample_batch(self, optim_wrapper):
        """A batch of one sample has no pair to mix (the last batch of an epoch whose
        size leaves a remainder of 1): skipped, with a warning naming the fix."""
        self.single_sample_batches += 1
        warnings.warn('AutoMix: a training batch of 1 sample has nothing to mix with; '
                      'skipped (set train_dataloader.drop_last=True to drop such batches)')
        optim_wrapper.zero_grad()
        return {'skipped_single_sample_batches': float(self.single_sample_batches)}

    def _skip_step(self, optim_wrapper, losses, where=''):
        self.nonfinite_steps += 1
        bad = [k for k, v in losses.items() if 'loss' in k and not torch.isfinite(v)]
        bad = f'{bad} here' if bad else where
        msg = (f'AutoMix: non-finite loss {bad}; step skipped, no parameter updated '
               f'({self.nonfinite_steps}/{self.max_nonfinite})')
        if self.nonfinite_steps >= self.max_nonfinite:
            raise FloatingPointError(msg + '. Lower optim_wrapper.optimizer.lr or set '
                                     'optim_wrapper.clip_grad')
        warnings.warn(msg)
        optim_wrapper.zero_grad()
        return {'nonfinite_steps': float(self.nonfinite_steps)}

    # -- evaluation ---------------------------------------------------------------------
    def predict(self, inputs, data_samples=None, **kwargs):
        """Predictions of θ_k (the EMA model) by default, of θ_q with ``predict_online``.
        With ``eval_both`` the other model's scores are attached as ``pred_score_other``."""
        ema = (self.backbone, self.head)
        online = (self.backbone_q, self.head_q)
        main, other = (online, ema) if self.predict_online else (ema, online)
        samples = main[1].predict(self._feats(main[0], inputs), data_samples, **kwargs)
        if self.eval_both:
            scores = F.softmax(self._logits(other[0], other[1], inputs), dim=1)
            for ds, sc in zip(samples, scores):
                ds.set_field(sc, 'pred_score_other')
        return samples

