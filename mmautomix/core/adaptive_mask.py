"""AdAutoMix's adaptive mask generator (Qin et al., ICLR 2024, "Adversarial AutoMixup"),
in plain PyTorch: one mask channel per source image, the channels summing to one.

For K source images x_{I_1}, …, x_{I_K} of the batch (I_s a pairing; two sources: I_1
the identity, I_2 the pairing) with weights ℓ_s and θ_k's feature z (N×C×H×W):

    f_s = z[I_s]                        (with a constant ℓ_s channel if ``lam_concat``)
    q_s = ReLU(W_q f_s),  k_s = ReLU(W_k f_s)     1x1 to C/2 channels (the official
                                                  ConvModule's hidden ReLU)
    v_s = W_v f_s                                1 channel
    A_s = softmax(Σ_{t≠s} q_s k_tᵀ / √(C/2))     each source attends to the others
    m_s = A_s v_s                                 (a source's OWN value, cross attention)
    M   = softmax_s(up_s(m))                     N×K×sH×sW, Σ_s M_s = 1 per pixel

and the mixed image is Σ_s x_{I_s} ⊙ M_s. Two sources have the weights (λ, 1 − λ).

Cheaper than the official module, same numbers: :meth:`AdaptiveMask.project` computes
W_q z, W_k z and W_v z once per step (before the pairing: a 1x1 convolution commutes with
indexing the batch); the step's two calls (Mix Block and backbone branch) reuse them and
the ℓ_s channel enters as a bias. What the official module does besides the formula and
this one does not: NaN masks recomputed in float64 and filled with constants (here a
non-finite loss is skipped by the project's one rule, ``skip.py``), and the mode string
'None' (a random upsampling mode chosen once).
"""
import math
import random
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mix_block_options import check_mask_generator_args


class AdaptiveMask(nn.Module):
    """AdAutoMix's mask generator (official ``AdaptiveMask``).

    Args:
        in_channels (int): C of the feature it reads (official ``in_channel``).
        reduction (int): q/k width C // reduction. Official: 2.
        lam_concat (bool): append ℓ_s as a constant channel to f_s. Official: False on
            CIFAR, True on ImageNet and for ViTs.
        use_scale (bool): divide the attention logits by √(C/reduction). Official: True.
        unsampling_mode (str | list[str]): 'nearest' or 'bilinear' (a list draws one per
            call). Official CIFAR configs: 'bilinear'.
        qk_relu (bool): the ReLU after the q/k projections that the official module's
            ``ConvModule`` applies by default (faithful: True).
    """
    init_at_construction = True

    def __init__(self, in_channels: int, reduction: int = 2, lam_concat: bool = False,
                 use_scale: bool = True,
                 unsampling_mode: Union[str, Sequence[str]] = 'bilinear',
                 qk_relu: bool = True):
        super().__init__()
        modes = check_mask_generator_args(in_channels, reduction, unsampling_mode)
        self.in_channels = in_channels
        self.inter_channels = in_channels // reduction
        self.lam_concat = lam_concat
        self.use_scale = use_scale
        self.unsampling_mode = modes
        self.qk_relu = qk_relu
        c = in_channels + (1 if lam_concat else 0)
        self.query = nn.Conv2d(c, self.inter_channels, kernel_size=1)   # W_q
        self.key = nn.Conv2d(c, self.inter_channels, kernel_size=1)     # W_k
        self.value = nn.Conv2d(c, 1, kernel_size=1)                     # W_v
        if self.init_at_construction:
            self.reset_parameters()

    def reset_parameters(self):
        """normal(std=0.01) weights and zero biases, as in the official code."""
        for m in (self.query, self.key, self.value):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)

    def project(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        """W_q z, W_k z, W_v z without biases and ℓ channels, shared by a step's calls."""
        if z.dim() != 4 or z.size(1) != self.in_channels:
            raise ValueError(f'mask generator input has shape {tuple(z.shape)}; expected '
                             f'(N, mix_block.in_channels={self.in_channels}, H, W)')
        c = self.in_channels
        return {name: F.conv2d(z, getattr(self, name).weight[:, :c])
                for name in ('query', 'key', 'value')}

    def _input(self, proj, name, index, weight):
        conv = getattr(self, name)
        b = conv.bias
        if self.lam_concat:
            b = b + weight * conv.weight[:, -1, 0, 0]
        return proj[name][index] + b.view(1, -1, 1, 1)

    def forward(self, z: torch.Tensor, indices: Sequence[torch.Tensor],
                weights: Sequence[float], scale_factor: int, up_mode: Optional[str] = None,
                projections: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """The mask M (N×K×sH×sW, Σ_s M_s = 1) for the sources ``z[indices[s]]``.

        Args:
            z: θ_k's feature of the clean images.
            indices: K ≥ 2 pairings; source s of sample i is image indices[s][i].
            weights: ℓ_s (used by ``lam_concat``).
            scale_factor: s, input size / feature size.
            up_mode: a fixed upsampling mode instead of a draw.
            projections: ``self.project(z)``, to share it between calls.
        """
        if len(indices) < 2 or len(indices) != len(weights):
            raise ValueError(f'AdaptiveMask: expected K >= 2 pairings and as many weights, '
                             f'got {len(indices)} and {len(weights)}')
        proj = projections if projections is not None else self.project(z)
        act = F.relu if self.qk_relu else (lambda t: t)
        n, _, h, w = proj['query'].shape
        qs, ks, vs = [], [], []
        for idx, lam in zip(indices, weights):
            qs.append(act(self._input(proj, 'query', idx, lam)).float().flatten(2))
            ks.append(act(self._input(proj, 'key', idx, lam)).float().flatten(2))
            vs.append(self._input(proj, 'value', idx, lam).float().flatten(2))
        with torch.autocast(device_type=z.device.type, enabled=False):
            logits = []
            for s in range(len(qs)):
                others = sum(ks[t] for t in range(len(ks)) if t != s)   # Σ_{t≠s} k_t
                att = torch.bmm(qs[s].transpose(1, 2), others)          # N×HW×HW
                if self.use_scale:
                    att = att / math.sqrt(self.inter_channels)
                m = torch.bmm(att.softmax(dim=-1), vs[s].transpose(1, 2))  # A_s v_s
                logits.append(m.transpose(1, 2).reshape(n, 1, h, w))
            m = torch.cat(logits, dim=1)
            mode = up_mode or random.choice(self.unsampling_mode)
            kwargs = {} if mode == 'nearest' else dict(align_corners=False)
            m = F.interpolate(m, scale_factor=scale_factor, mode=mode, **kwargs)
            return m.softmax(dim=1)


def mix_sources(x: torch.Tensor, mask: torch.Tensor, indices: Sequence[torch.Tensor]
                ) -> torch.Tensor:
    """Σ_s x[indices[s]] ⊙ M_s (a constant mask N×K×1×1 or 1×K×1×1 broadcasts)."""
    return sum(x[idx] * mask[:, s:s + 1] for s, idx in enumerate(indices))
