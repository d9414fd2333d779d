"""The AutoMix Mix Block (Liu et al., ECCV 2022, §3.2), in plain PyTorch.

Given the feature z ∈ R^{N×C×H×W} of the clean images (from the momentum encoder θ_k),
a ratio λ and a pairing ``index`` (sample i is mixed with sample index[i]), the block
predicts a pixel-wise mask for the *paired* image from cross-attention between the two
samples' patches:

    z_i = z,  z_j = z[index]              (optionally each with a constant λ / 1−λ channel)
    v   = W_v z_j                          value, 1 channel
    q   = W_q z_i,  k = W_q z_j            ONE shared 1x1 projection to C/2 channels
    P   = softmax(qᵀk / √(C/2))            N×HW×HW, computed in fp32
    M_j = σ(up_s(P v))                     upsample the logits by s first, then sigmoid
    M   = [1 − M_j, M_j]                   channel 0 weights x_i (label weight λ)

and the mixed image is x_i ⊙ M[:, 0] + x_j ⊙ M[:, 1]. The mask loss (paper §3.3) keeps the
batch mean of M_j near 1 − λ: ``max(|1 − m̄ − λ| − ε, 0)``.

Cheaper than the official block, same numbers: :meth:`MixBlock.project` computes W_q z
and W_v z once per step; a step's two mask calls (Mix Block branch and backbone branch)
reuse them, and the constant λ channel enters as the bias it amounts to
(W [z; λ] + b = W_z z + (b + λ W_λ)) instead of a concatenated channel.
"""
import math
import random
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

UP_MODES = ('nearest', 'bilinear')
LOSS_MODES = ('L1', 'L1+Variance')


class MixBlock(nn.Module):
    """Mix Block that turns momentum-encoder features into a mixing mask.

    Args:
        in_channels (int): C, channels of the feature it reads (e.g. 256 for the
            stage-3 output of ResNet-18, 1024 for ResNet-50, 384 for DeiT-S tokens).
        reduction (int): query/key width is C // reduction. Official: 2.
        use_scale (bool): divide the attention logits by √(C/reduction). Official: True.
        unsampling_mode (str | list[str]): how the mask logits are upsampled to the
            input size; a list is sampled uniformly at each call (official behaviour).
            AutoMix uses 'nearest' (the name keeps the official spelling).
        lam_concat (bool): append the constant λ (1−λ for the paired sample) channel to
            the query/key/value input. Official: False on CIFAR/Tiny-ImageNet, True on
            ImageNet-scale data.
        mask_loss_mode (str): 'L1' or 'L1+Variance' (the variance term rewards
            high-contrast masks).
        mask_loss_margin (float): ε of the L1 term. AutoMix configs: 0.1.
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
                 mask_loss_mode: str = 'L1',
                 mask_loss_margin: float = 0.0):
        super().__init__()
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) \
                or in_channels < 2:
            raise ValueError(f'mix_block.in_channels={in_channels!r}: expected the channel '
                             'count (int >= 2) of the backbone stage the Mix Block reads')
        if reduction < 1 or in_channels // reduction < 1:
            raise ValueError(f'mix_block.reduction={reduction!r}: expected an int in '
                             f'[1, {in_channels}]')
        modes = [unsampling_mode] if isinstance(unsampling_mode, str) else list(unsampling_mode)
        if not modes or any(m not in UP_MODES for m in modes):
            raise ValueError(f'mix_block.unsampling_mode={unsampling_mode!r}: expected one '
                             f'of {UP_MODES} or a list of them')
        if mask_loss_mode not in LOSS_MODES:
            raise ValueError(f'mix_block.mask_loss_mode={mask_loss_mode!r}: expected one of '
                             f'{LOSS_MODES}')
        if mask_loss_margin < 0:
            raise ValueError(f'mix_block.mask_loss_margin={mask_loss_margin!r}: expected >= 0')
        self.in_channels = in_channels
        self.inter_channels = in_channels // reduction
        self.use_scale = use_scale
        self.unsampling_mode = modes
        self.lam_concat = lam_concat
        self.mask_loss_mode = mask_loss_mode
        self.mask_loss_margin = mask_loss_margin
        extra = 1 if lam_concat else 0
        # W_v: value, 1 channel, from the paired sample z_j
        self.value = nn.Conv2d(in_channels + extra, 1, kernel_size=1)
        # W_q: the query AND the key projection (weights shared, as in the official code)
        self.query = nn.Conv2d(in_channels + extra, self.inter_channels, kernel_size=1)
        if self.init_at_construction:
            self.reset_parameters()

    def reset_parameters(self):
        """normal(std=0.01) weights and zero biases, as in the official code."""
        for m in (self.value, self.query):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)

    # -- the math -----------------------------------------------------------------------
    def project(self, z: torch.Tensor):
        """W_q z and W_v z without the bias and the λ channel; shared by a step's calls."""
        if z.dim() != 4 or z.size(1) != self.in_channels:
            raise ValueError(f'Mix Block input has shape {tuple(z.shape)}; expected '
                             f'(N, mix_block.in_channels={self.in_channels}, H, W). Set '
                             '`mix_block.in_channels` to the channels of the backbone '
                             'stage the Mix Block reads.')
        c = self.in_channels
        q = F.conv2d(z, self.query.weight[:, :c])
        v = F.conv2d(z, self.value.weight[:, :c])
        return q, v

    def _bias(self, conv: nn.Conv2d, lam: float):
        """Bias of ``conv`` plus the contribution of a constant λ input channel."""
        b = conv.bias
        if self.lam_concat:
            b = b + lam * conv.weight[:, -1, 0, 0]
        return b.view(1, -1, 1, 1)

    def forward(self,
                z: torch.Tensor,
                lam: float,
                index: torch.Tensor,
                scale_factor: int,
                up_mode: Optional[str] = None,
                projections=None) -> torch.Tensor:
        """Return the mask M ∈ [0, 1]^{N×2×sH×sW}, M[:, 0] + M[:, 1] = 1.

        Args:
            z: momentum-encoder feature of the clean images, N×C×H×W.
            lam: λ of this call; only used when ``lam_concat``.
            index: the pairing; sample i is mixed with sample index[i].
            scale_factor: s, the input size divided by the feature size.
            up_mode: use this upsampling mode instead of sampling one of
                ``unsampling_mode`` (e.g. to draw pictures with a fixed mode).
            projections: ``self.project(z)``, to share it between calls.
        """
        q0, v0 = projections if projections is not None else self.project(z)
        n, _, h, w = q0.shape
        q = q0 + self._bias(self.query, lam)              # W_q [z_i; λ]
        k = q0[index] + self._bias(self.query, 1 - lam)   # W_q [z_j; 1−λ]
        v = v0[index] + self._bias(self.value, 1 - lam)   # W_v [z_j; 1−λ]
        with torch.autocast(device_type=z.device.type, enabled=False):
            q = q.float().flatten(2).transpose(1, 2)       # N×HW×C'
            k = k.float().flatten(2)                       # N×C'×HW
            logits = torch.bmm(q, k)
            if self.use_scale:
                logits = logits / math.sqrt(self.inter_channels)
            attn = logits.softmax(dim=-1)                  # P, N×HW×HW
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
