"""The AutoMix Mix Block (Liu et al., ECCV 2022, §3.2) and SAMix's options for it (Li et
al., arXiv 2111.15454), in plain PyTorch.

Given the feature z ∈ R^{N×C×H×W} of the clean images (from the momentum encoder θ_k),
a ratio λ and a pairing ``index`` (sample i is mixed with sample index[i]), the block
predicts a pixel-wise mask for the *paired* image from cross-attention between the two
samples' patches. AutoMix's block (every option off):

    z_i = z,  z_j = z[index]              (optionally each with a constant λ / 1−λ channel)
    v   = W_v z_j                          value, 1 channel
    q   = W_q z_i,  k = W_q z_j            ONE shared 1x1 projection to C/2 channels
    P   = softmax(qᵀk / √(C/2))            N×HW×HW, computed in fp32
    M_j = σ(up_s(P v))                     upsample the logits by s first, then sigmoid
    M   = [1 − M_j, M_j]                   channel 0 weights x_i (label weight λ)

and the mixed image is x_i ⊙ M[:, 0] + x_j ⊙ M[:, 1]. The mask loss (paper §3.3) keeps the
batch mean of M_j near 1 − λ: ``max(|1 − m̄ − λ| − ε, 0)``.

SAMix's options (each off by default; :data:`SAMIX_OPTIONS` in ``core/mix_block_options.py`` has the values of every
official SAMix CNN config):

* ``lam_mul`` (μ), ``lam_residual``, ``lam_mul_k`` (k): λ enters by scaling the features
  before anything else, λ' = r_k(λ) with r_k(λ) = (4/3 λ³ − 2λ² + κλ) / (κ − 2/3),
  κ = k + 1 (symmetric, r_k(½) = ½; k < 0: λ' = λ). With the residual
  z_i' = z_i (1 + μλ'), z_j' = z_j (1 + μ(1 − λ')); without it z_i' = λ' z_i,
  z_j' = (1 − λ') z_j. A list of k draws one per call.
* ``value_neck``: the value is a small non-linear network instead of W_v:
  1x1 conv (no bias) → BN → ELU → … → 1x1 conv to one channel (no bias) → dropout.
* ``x_qk_concat``: q and k both read u = [z_i'; z_j'] (2C channels), with two weight
  sets: q = W_q u, k = W_k u.
* ``x_v_concat``: the value reads [z_i'; z_j']. ``lam_concat_v``: only the value gets the
  λ channel.
* the ``L1+Variance`` mask loss: ``max(|1 − m̄ − λ| − ε, 0) − 2·mean((M_j − m̄)²)`` (the
  variance term rewards high-contrast masks).

Cheaper than the official block, same numbers: :meth:`MixBlock.project` computes the
linear 1x1 projections of z once per step; a step's two mask calls (Mix Block branch and
backbone branch) reuse them. This is exact because a 1x1 convolution is linear: the λ
scaling of ``lam_mul`` scales a projection, [z_i'; z_j'] splits the weight into two
halves, and the constant λ channel enters as the bias it amounts to
(W [z; λ] + b = W_z z + (b + λ W_λ)). A non-linear value neck runs per call.
"""
import math
import random
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mix_block_options import (SAMIX_OPTIONS, build_value_neck, check_mask_generator_args,
                                check_mix_block_options, draw_lambda_factors)
from .mixing import attention_entropy

__all__ = ['MixBlock', 'SAMIX_OPTIONS']

class MixBlock(nn.Module):
    """Mix Block that turns momentum-encoder features into a mixing mask.

    Args:
        in_channels (int): C, channels of the feature it reads (e.g. 256 for the
            stage-3 output of ResNet-18, 1024 for ResNet-50, 384 for DeiT-S tokens).
        reduction (int): query/key width is C // reduction. Official: 2.
        use_scale (bool): divide the attention logits by √(C/reduction). Official: True.
        unsampling_mode (str | list[str]): how the mask logits are upsampled to the
            input size; a list is sampled uniformly at each call (official behaviour).
            AutoMix uses 'nearest', SAMix 'bilinear' (the name keeps the official
            spelling).
        lam_concat (bool): append the constant λ (1−λ for the paired sample) channel to
            the query/key/value input. Official AutoMix: False on CIFAR/Tiny-ImageNet,
            True on ImageNet-scale data.
        lam_concat_v (bool): the λ channel for the value only (SAMix option, off in
            every config).
        lam_mul (float | bool): μ in [0, 1] of SAMix's λ scaling (True means 1.0; 0:
            off). SAMix configs: 1.0.
        lam_mul_k (float | list[float]): k of r_k(λ) (negative: λ' = λ; a list draws one
            per call). SAMix: 0.25 on CIFAR, −1 on ImageNet.
        lam_residual (bool): the residual form of the λ scaling. SAMix configs: True.
        value_neck (dict, optional): SAMix's non-linear value, with keys
            ``hidden_channels`` (default C/2), ``num_layers`` (2), ``dropout`` (0),
            ``norm`` ('BN' or None), ``act`` ('ELU', 'ReLU', 'GELU') and
            ``out_channels`` (must be 1). None: the 1x1 convolution W_v.
        x_qk_concat (bool): q = W_q [z_i'; z_j'], k = W_k [z_i'; z_j'] (SAMix: True).
        x_v_concat (bool): v from [z_i'; z_j'] (off in every SAMix config).
        mask_loss_mode (str): 'L1' or 'L1+Variance'.
        mask_loss_margin (float): ε of the L1 term. AutoMix and SAMix configs: 0.1.
        attention_init_std (float): ours: the standard deviation of W_q's (and W_k's)
            normal initialisation. Official: 0.01 (every convolution of the block). The
            attention logits qᵀk scale with its square: at 0.01 they start near 0, so P
            starts uniform and P v the same at every position (a flat mask); a larger
            value starts the attention peaked (docs/benchmarks/mask_learning.md).

    Options that contradict each other raise at construction: the official code allows
    only one way of giving λ (``lam_concat`` excludes ``lam_concat_v``, ``lam_mul`` and
    ``x_qk_concat``), and a value with [z_i'; z_j'] cannot also take the λ channel.
    """
    #: initialise the weights in the constructor (the mmengine adapter defers it to
    #: ``init_weights``, which the Runner calls)
    init_at_construction = True

    def __init__(self,
                 in_channels: int,
                 reduction: int = 2,
                 use_scale: bool = True,
                 unsampling_mode: Union[str, Sequence[str]] = 'nearest',
                 lam_concat: bool = False,
                 lam_concat_v: bool = False,
                 lam_mul: Union[float, bool] = 0.0,
                 lam_mul_k: Union[float, Sequence[float]] = -1,
                 lam_residual: bool = False,
                 value_neck: Optional[dict] = None,
                 x_qk_concat: bool = False,
                 x_v_concat: bool = False,
                 mask_loss_mode: str = 'L1',
                 mask_loss_margin: float = 0.0,
                 attention_init_std: float = 0.01):
        super().__init__()
        modes = check_mask_generator_args(in_channels, reduction, unsampling_mode)
        lam_mul, ks = check_mix_block_options(
            mask_loss_mode, mask_loss_margin, attention_init_std, lam_mul, lam_mul_k,
            lam_concat=lam_concat, lam_concat_v=lam_concat_v, x_qk_concat=x_qk_concat,
            x_v_concat=x_v_concat)
        self.attention_init_std = float(attention_init_std)
        self.in_channels = in_channels
        self.inter_channels = in_channels // reduction
        self.use_scale = use_scale
        self.unsampling_mode = modes
        self.lam_concat = lam_concat
        self.lam_concat_v = lam_concat_v
        self.lam_mul = lam_mul
        self.lam_mul_k = ks
        self.lam_residual = lam_residual
        self.x_qk_concat = x_qk_concat
        self.x_v_concat = x_v_concat
        self.mask_loss_mode = mask_loss_mode
        self.mask_loss_margin = mask_loss_margin
        c = in_channels
        qk_in = 2 * c if x_qk_concat else c + (1 if lam_concat else 0)
        v_in = 2 * c if x_v_concat else c + (1 if lam_concat or lam_concat_v else 0)
        # W_v, the value (1 channel), or SAMix's non-linear value neck
        self.value_is_linear = value_neck is None
        self.value = (nn.Conv2d(v_in, 1, kernel_size=1) if value_neck is None
                      else build_value_neck(v_in, **dict(value_neck)))
        # W_q: the query, and the key too unless x_qk_concat gives the key its own W_k
        self.query = nn.Conv2d(qk_in, self.inter_channels, kernel_size=1)
        self.key = (nn.Conv2d(qk_in, self.inter_channels, kernel_size=1)
                    if x_qk_concat else None)
        #: the normalised entropy of P in the last call (see :func:`attention_entropy`)
        self.last_attention_entropy: Optional[torch.Tensor] = None
        if self.init_at_construction:
            self.reset_parameters()

    def reset_parameters(self):
        """normal(std=0.01) convolution weights, zero biases, BN weight 1 and bias 0, as
        in the official code (value neck included); W_q and W_k with
        ``attention_init_std``."""
        attention = {self.query, self.key}
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=self.attention_init_std if m in attention
                                else 0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    # -- the math -----------------------------------------------------------------------
    def project(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The linear 1x1 projections of z, without biases and λ channels, shared by a
        step's calls: ``q`` (and ``q2``: the half of W_q that reads z_j' under
        ``x_qk_concat``), ``k``/``k2`` (W_k's halves), ``v``/``v2`` for a linear value."""
        if z.dim() != 4 or z.size(1) != self.in_channels:
            raise ValueError(f'Mix Block input has shape {tuple(z.shape)}; expected '
                             f'(N, mix_block.in_channels={self.in_channels}, H, W). Set '
                             '`mix_block.in_channels` to the channels of the backbone '
                             'stage the Mix Block reads.')
        c = self.in_channels
        out = dict(q=F.conv2d(z, self.query.weight[:, :c]))
        if self.x_qk_concat:
            out['q2'] = F.conv2d(z, self.query.weight[:, c:])
            out['k'] = F.conv2d(z, self.key.weight[:, :c])
            out['k2'] = F.conv2d(z, self.key.weight[:, c:])
        if self.value_is_linear:
            out['v'] = F.conv2d(z, self.value.weight[:, :c])
            if self.x_v_concat:
                out['v2'] = F.conv2d(z, self.value.weight[:, c:])
        return out

    def _bias(self, conv: nn.Conv2d, lam: Optional[float]):
        """Bias of ``conv`` plus the contribution of a constant λ input channel."""
        b = conv.bias
        if lam is not None:
            b = b + lam * conv.weight[:, -1, 0, 0]
        return b.view(1, -1, 1, 1)

    def lambda_factors(self, lam: float):
        """(a_i, a_j), the scalars z_i and z_j are multiplied by (SAMix's ``lam_mul``;
        1 and 1 when it is off). Draws k from ``lam_mul_k`` when it is on."""
        return draw_lambda_factors(lam, self.lam_mul, self.lam_mul_k, self.lam_residual)

    def _value(self, z, lam, index, a_i, a_j, proj):
        """v, the value of each position of the paired sample, N×1×H×W."""
        lam_v = 1 - lam if (self.lam_concat or self.lam_concat_v) else None
        if self.value_is_linear:
            if self.x_v_concat:      # W_v [z_i'; z_j']: the first half reads z_i
                return (a_i * proj['v'] + a_j * proj['v2'][index]
                        + self._bias(self.value, None))
            return a_j * proj['v'][index] + self._bias(self.value, lam_v)
        z_j = a_j * z[index]
        if self.x_v_concat:
            inp = torch.cat([a_i * z, z_j], dim=1)
        elif lam_v is not None:
            inp = torch.cat([z_j, torch.full_like(z_j[:, :1], lam_v)], dim=1)
        else:
            inp = z_j
        return self.value(inp)

    def forward(self,
                z: torch.Tensor,
                lam: float,
                index: torch.Tensor,
                scale_factor: int,
                up_mode: Optional[str] = None,
                projections: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """Return the mask M ∈ [0, 1]^{N×2×sH×sW}, M[:, 0] + M[:, 1] = 1.

        Args:
            z: momentum-encoder feature of the clean images, N×C×H×W.
            lam: λ of this call (used by ``lam_concat``, ``lam_concat_v``, ``lam_mul``).
            index: the pairing; sample i is mixed with sample index[i].
            scale_factor: s, the input size divided by the feature size.
            up_mode: use this upsampling mode instead of sampling one of
                ``unsampling_mode`` (e.g. to draw pictures with a fixed mode).
            projections: ``self.project(z)``, to share it between calls.
        """
        proj = projections if projections is not None else self.project(z)
        a_i, a_j = self.lambda_factors(lam)
        n, _, h, w = proj['q'].shape
        if self.x_qk_concat:          # q = W_q [z_i'; z_j'],  k = W_k [z_i'; z_j']
            q = a_i * proj['q'] + a_j * proj['q2'][index] + self._bias(self.query, None)
            k = a_i * proj['k'] + a_j * proj['k2'][index] + self._bias(self.key, None)
        else:                         # q = W_q [z_i'; λ],  k = W_q [z_j'; 1−λ]
            lam_q = lam if self.lam_concat else None
            lam_k = 1 - lam if self.lam_concat else None
            q = a_i * proj['q'] + self._bias(self.query, lam_q)
            k = a_j * proj['q'][index] + self._bias(self.query, lam_k)
        v = self._value(z, lam, index, a_i, a_j, proj)
        with torch.autocast(device_type=z.device.type, enabled=False):
            q = q.float().flatten(2).transpose(1, 2)       # N×HW×C'
            k = k.float().flatten(2)                       # N×C'×HW
            logits = torch.bmm(q, k)
            if self.use_scale:
                logits = logits / math.sqrt(self.inter_channels)
            attn = logits.softmax(dim=-1)                  # P, N×HW×HW
            self.last_attention_entropy = attention_entropy(attn)
            m = torch.bmm(attn, v.float().flatten(2).transpose(1, 2))  # P v, N×HW×1
            m = m.transpose(1, 2).reshape(n, 1, h, w)
            mode = up_mode or random.choice(self.unsampling_mode)
            kwargs = {} if mode == 'nearest' else dict(align_corners=False)
            m = F.interpolate(m, scale_factor=scale_factor, mode=mode, **kwargs)
            m_j = torch.sigmoid(m)
        return torch.cat([1 - m_j, m_j], dim=1)

    def mask_loss(self, mask: torch.Tensor, lam: float) -> torch.Tensor:
        """λ regulariser on the batch-mean mask (channel 1), before the weight η."""
        m_j = mask[:, 1]
        mean = m_j.mean()
        loss = (1 - mean - lam).abs().sub(self.mask_loss_margin).clamp(min=0)
        if self.mask_loss_mode == 'L1+Variance':
            loss = loss - 2 * ((m_j - mean) ** 2).mean().clamp(min=0)
        return loss
