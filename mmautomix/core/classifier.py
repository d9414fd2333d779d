"""AutoMix around any PyTorch classifier, for a plain training loop.

    automix = AutoMixClassifier(torchvision.models.resnet18(num_classes=10),
                                layer='layer3', in_channels=256, num_classes=10)
    optimizer = torch.optim.SGD(automix.param_groups(lr=0.1), momentum=0.9)
    for x, y in loader:
        logs = automix.train_step(x, y, optimizer)
    top1 = (automix(x_test).argmax(1) == y_test)     # θ_k (eval mode), the model reported

One object holds θ_q (the classifier given, trained by the optimizer), θ_k (its momentum
copy, frozen, updated after each optimizer step) and the Mix Block. ``train_step`` is the
whole bi-level step of ``mmautomix.core.step``: λ and pairs, the masks, the three loss
branches (backpropagated one after another), the optimizer step and the EMA update.

Difference from the official model, by construction: a plain classifier has one output
layer, so the clean and the mixed losses train the same classifier head (the official
model has two heads, ``head_one`` and ``head_mix``; mmautomix's registered ``AutoMix``
keeps them).
"""
import copy
from contextlib import nullcontext
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .ema import ema_update, momentum_at
from .feature_tap import FeatureTap
from .mix_block import MixBlock
from .skip import StepSkipper, buffer_snapshot
from .options import StepOptions
from .step import automix_branches, has_loss, total_loss


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """−Σ_c t_c log softmax(logits)_c, averaged over the batch."""
    return -(target * F.log_softmax(logits, dim=1)).sum(1).mean()


class ClassifierNetwork:
    """θ_q or θ_k of a plain classifier as the step uses it (``step.EmaNetwork``,
    ``step.OnlineNetwork``): one output layer serves the one-hot and the mixed losses.
    A view of ``model``, not a module: the classifier's modules stay where they are."""

    def __init__(self, model: nn.Module, tap: Optional[FeatureTap] = None,
                 truncate: bool = False):
        self.model, self.tap, self.truncate = model, tap, truncate

    def feature(self, x: torch.Tensor) -> torch.Tensor:
        """z at the tapped layer (the pass ends there with ``truncate``)."""
        return self.tap(x, stop=self.truncate)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).float()

    mix_logits = logits
    loss = staticmethod(F.cross_entropy)
    mix_loss = staticmethod(soft_cross_entropy)


class AutoMixClassifier(nn.Module):
    """θ_q, θ_k and the Mix Block of AutoMix around ``model``.

    Args (``**options`` takes the step's options, ``StepOptions.CONFIG_NAMES``: alpha,
    mask_loss_weight, lam_margin, mask_scale, head_weights, switch_off,
    mix_block_interval, one_q_fraction, mask_adjust, mask_adjust_to, checked once by
    ``StepOptions.from_config``, and the classifier's own, :attr:`CLASSIFIER_OPTIONS`:
    mask_loss_margin, lam_concat, truncate_clean_pass, staged_backward, max_nonfinite;
    any other name is refused, naming it):
        model (nn.Module): the classifier θ_q, images → logits (N, num_classes).
        layer (str): name of the layer of ``model`` whose output z the Mix Block reads
            (a key of ``dict(model.named_modules())``, e.g. ``'layer3'`` of a torchvision
            ResNet, ``'blocks.5'`` of a ViT). Its output may be N×C×H×W or tokens.
        in_channels (int): C of that output.
        num_classes (int): classes of the labels.
        alpha (float): α of λ ~ Beta(α, α). AutoMix: 2.0.
        momentum (float): m, the weight θ_k keeps at each update (θ_k ← mθ_k + (1−m)θ_q);
            the base value of the schedule. AutoMix: 0.999.
        end_momentum (float, optional): with ``total_steps``, m follows the official
            cosine schedule from ``momentum`` to this value (``adjust_scope`` the phase).
        total_steps (int, optional): optimizer steps of the whole training.
        mask_loss_weight (float): η, weight of the Mix Block's mask loss. AutoMix: 0.1.
        mask_loss_margin (float): ε of the mask loss. AutoMix: 0.1.
        lam_margin (float): plain mixup for the online branch when min(λ, 1−λ) ≤ margin;
            negative turns it off. AutoMix: 0.08.
        lam_concat (bool): the Mix Block reads λ as an extra channel (official setting on
            ImageNet-scale data; it is what makes the masks follow λ).
        mask_scale (int, optional): input size / feature size; None derives it.
        truncate_clean_pass (bool): end θ_k's clean forward at ``layer`` (faster; θ_k's
            later BN statistics then see only mixed images). Default: the full pass.
        staged_backward (bool): backpropagate each branch before the next forward
            (same gradients, a third of the activation memory).
        num_extra_tokens (int, optional): class/distillation tokens before the patch
            tokens of a token model; None infers 0, 1 or 2 from a square grid.
        head_weights (dict, optional): loss weights ``mix_k``, ``one_q``, ``mix_q`` (all
            1 by default, as officially); a zero weight drops that branch's pass.
        switch_off (float): the official ``switch_off`` s (0: off); see
            ``core/mix_block_updates.py``.
        mix_block_interval (int): the Mix Block trains on every k-th step only (1: every
            step); see ``core/mix_block_updates.py``.
        one_q_fraction (float): f in (0, 1]: θ_q's clean-image loss on the first
            ⌈f·N⌉ images of each batch only (1: all, as officially); see ``core/step.py``.
        mix_block_options (dict, optional): more :class:`MixBlock` arguments, e.g.
            SAMix's Mix Block: ``mix_block_options=SAMIX_OPTIONS`` (from
            ``mmautomix.core``), which also sets the mask-loss mode and margin.
        mask_adjust (float): SAMix's p of rescaling M_bb to mean λ (0: off); see
            ``core/step.py``. mask_adjust_to (str): 'lam_mb' (faithful) or 'lam_bb'.
        max_nonfinite (int): steps with a non-finite loss, like batches of one sample,
            are skipped with a warning (the project's one rule, ``core/skip.py``: no
            update, buffers restored, θ_k not moved); this many non-finite steps stop
            training with an error.
    """

    #: the classifier's own options (``**options`` besides the step's) and defaults
    CLASSIFIER_OPTIONS = dict(mask_loss_margin=0.1, lam_concat=False,
                              truncate_clean_pass=False, staged_backward=True,
                              max_nonfinite=10)

    def __init__(self,
                 model: nn.Module,
                 layer: str,
                 in_channels: int,
                 num_classes: int,
                 momentum: float = 0.999,
                 end_momentum: Optional[float] = None,
                 total_steps: Optional[int] = None,
                 adjust_scope: Sequence[float] = (0.1, 1.0),
                 num_extra_tokens: Optional[int] = None,
                 mix_block_options: Optional[dict] = None,
                 **options):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f'model: expected an nn.Module classifier, got {type(model)}')
        if not 0 <= momentum <= 1:
            raise ValueError(f'momentum={momentum!r}: expected m in [0, 1]')
        if (end_momentum is None) != (total_steps is None):
            raise ValueError('end_momentum and total_steps: give both (cosine schedule of '
                             'm) or neither (constant m)')
        names = StepOptions.CONFIG_NAMES + tuple(self.CLASSIFIER_OPTIONS)
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise TypeError(f'{type(self).__name__} has no option {unknown[0]!r}; '
                            f'expected one of {sorted(names)}')
        own = {k: options.pop(k, d) for k, d in self.CLASSIFIER_OPTIONS.items()}
        self.options = StepOptions.from_config(   # checked before anything is built
            num_classes, dict(layer=f'layer={layer!r}'), **options)
        self.online = model                                   # θ_q
        self.ema = copy.deepcopy(model).requires_grad_(False)  # θ_k
        self.mix_block = MixBlock(in_channels, **dict(
            dict(lam_concat=own['lam_concat'], mask_loss_margin=own['mask_loss_margin']),
            **(mix_block_options or {})))
        self._tap = FeatureTap(self.ema, layer, num_extra_tokens, key='layer')
        self.layer = layer
        self.theta_k = ClassifierNetwork(self.ema, self._tap, own['truncate_clean_pass'])
        self.theta_q = ClassifierNetwork(self.online)
        self.base_momentum = self.momentum = float(momentum)
        self.end_momentum, self.total_steps = end_momentum, total_steps
        self.adjust_scope = tuple(adjust_scope)
        self.staged_backward = own['staged_backward']
        self.skipper = StepSkipper(own['max_nonfinite'], 'AutoMixClassifier',
                                   'Lower the learning rate or clip gradients',
                                   'drop_last=True in the DataLoader drops such batches')
        self.register_buffer('steps', torch.zeros((), dtype=torch.long))   # EMA updates

    @property
    def truncate_clean_pass(self) -> bool:
        """θ_k's clean pass ends at ``layer`` (a speed option; see the class docstring)."""
        return self.theta_k.truncate

    @truncate_clean_pass.setter
    def truncate_clean_pass(self, value: bool):
        self.theta_k.truncate = bool(value)

    def param_groups(self, lr: float, mix_block_lr: Optional[float] = None, **kwargs):
        """Optimizer groups: θ_q at ``lr`` and the Mix Block at ``mix_block_lr``
        (default ``lr``); θ_k is not trained. ``kwargs`` go to both groups."""
        mb_lr = lr if mix_block_lr is None else mix_block_lr
        if self.options.weights.mix_k == 0 and mb_lr != 0:
            raise ValueError(f'head_weights.mix_k=0 with mix_block_lr={mb_lr}: the Mix Block '
                             'would never train (its classification loss is dropped); '
                             'expected mix_block_lr=0 or head_weights.mix_k > 0')
        return [dict(params=list(self.online.parameters()), lr=lr, **kwargs),
                dict(params=list(self.mix_block.parameters()),
                     lr=lr if mix_block_lr is None else mix_block_lr, **kwargs)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """θ_k's logits (the model AutoMix evaluates and exports), always with θ_k in
        eval mode: BN normalises with θ_k's running statistics and does not update them,
        also while this object is in train mode (the training step calls θ_k itself)."""
        was_training = self.ema.training
        self.ema.eval()
        try:
            return self.ema(x)
        finally:
            self.ema.train(was_training)

    def branches(self, x: torch.Tensor, y: torch.Tensor):
        """The three loss branches of one step (see ``mmautomix.core.step``)."""
        return automix_branches(x, y, self.theta_k, self.theta_q, self.mix_block,
                                self.options, step=int(self.steps))

    def train_step(self, x: torch.Tensor, y: torch.Tensor,
                   optimizer: torch.optim.Optimizer,
                   scaler: Optional['torch.amp.GradScaler'] = None,
                   autocast_dtype: Optional[torch.dtype] = None) -> dict:
        """One AutoMix step with the caller's optimizer: forward passes, backward,
        ``optimizer.step()`` (through ``scaler`` if given), then the EMA update of θ_k.

        ``autocast_dtype`` (e.g. ``torch.bfloat16``) runs the forward passes under
        autocast; the Mix Block's attention and sigmoid stay in fp32. Returns the
        losses and logs as floats."""
        if not self.training:
            raise RuntimeError('AutoMixClassifier.train_step: call .train() first')
        optimizer.zero_grad(set_to_none=True)
        if x.size(0) == 1:
            return self.skipper.single_sample_batch()
        restore_buffers = buffer_snapshot(self)
        amp = (torch.autocast(x.device.type, dtype=autocast_dtype)
               if autocast_dtype is not None else nullcontext())
        parts, logs, branches = [], {}, self.branches(x, y)
        while True:
            with amp:
                part = next(branches, None)
            if part is None:
                break
            logs.update(part)
            if not has_loss(part):     # a branch a knob dropped
                continue
            loss = total_loss(part)
            parts.append(loss)
            if self.staged_backward:
                (scaler.scale(loss) if scaler is not None else loss).backward()
        if not self.staged_backward:
            loss = sum(parts)
            if bool(torch.isfinite(loss.detach())):
                (scaler.scale(loss) if scaler is not None else loss).backward()
        total = torch.stack([p.detach() for p in parts]).sum()
        if not bool(torch.isfinite(total)):
            optimizer.zero_grad(set_to_none=True)
            return self.skipper.nonfinite(logs, restore_buffers)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        self.skipper.applied()
        self._update_ema()
        out = {k: float(v.detach()) for k, v in logs.items()}
        out.update(loss=float(total), momentum=self.momentum)
        return out

    @property
    def nonfinite_steps(self) -> int:
        return self.skipper.nonfinite_steps

    def _update_ema(self):
        if self.total_steps is not None:
            self.momentum = momentum_at(int(self.steps), self.total_steps,
                                        self.base_momentum, self.end_momentum,
                                        self.adjust_scope)
        ema_update([self.online], [self.ema], self.momentum)
        self.steps += 1
