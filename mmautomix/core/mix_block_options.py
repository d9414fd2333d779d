"""The Mix Block's options, checked with their config keys, and SAMix's parts of it.

What the Mix Block (``core/mix_block.py``) and AdAutoMix's mask generator accept and
refuse; SAMix's values for every option (:data:`SAMIX_OPTIONS`); SAMix's rescaling
r_k of λ and its non-linear value neck (Li et al., arXiv 2111.15454).
"""
import random
from typing import Optional, Sequence, Tuple, Union

import torch.nn as nn

UP_MODES = ('nearest', 'bilinear')
LOSS_MODES = ('L1', 'L1+Variance')
NECK_NORMS = ('BN', None)
NECK_ACTS = {'ELU': nn.ELU, 'ReLU': nn.ReLU, 'GELU': nn.GELU}

#: SAMix's Mix Block in every official CNN config (CIFAR, Tiny-ImageNet, ImageNet):
#: λ multiplied in with a residual, a two-layer value neck of width C/2 with BN, [z_i'; z_j']
#: for query and key, bilinear upsampling and the L1+Variance loss with ε = 0.1.
#: ``lam_mul_k``: 0.25 on CIFAR (and Tiny-ImageNet ResNeXt-50), −1 (off) on ImageNet and
#: Tiny-ImageNet ResNet-18; the value neck's dropout: 0 on CIFAR/Tiny, 0.1 on ImageNet.
SAMIX_OPTIONS = dict(lam_mul=1.0, lam_residual=True, lam_mul_k=0.25,
                     value_neck=dict(num_layers=2, dropout=0.0), x_qk_concat=True,
                     unsampling_mode='bilinear', mask_loss_mode='L1+Variance',
                     mask_loss_margin=0.1)


def check_mask_generator_args(in_channels, reduction, unsampling_mode):
    """The arguments every mask generator shares (this Mix Block, AdAutoMix's), checked
    with their config keys; returns the upsampling modes as a list."""
    if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 2:
        raise ValueError(f'mix_block.in_channels={in_channels!r}: expected the channel '
                         'count (int >= 2) of the backbone stage the Mix Block reads')
    if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1 \
            or in_channels // reduction < 1:
        raise ValueError(f'mix_block.reduction={reduction!r}: expected an int in '
                         f'[1, {in_channels}]')
    modes = [unsampling_mode] if isinstance(unsampling_mode, str) else list(unsampling_mode)
    if not modes or any(m not in UP_MODES for m in modes):
        raise ValueError(f'mix_block.unsampling_mode={unsampling_mode!r}: expected one '
                         f'of {UP_MODES} or a list of them')
    return modes


def rescale_lambda(lam: float, k: float) -> float:
    """r_k(λ) = (4/3 λ³ − 2λ² + κλ) / (κ − 2/3) with κ = k + 1; k < 0 returns λ.
    r_k(0) = 0, r_k(½) = ½, r_k(1) = 1; a small k pulls λ toward ½."""
    if k < 0:
        return lam
    kappa = k + 1
    return (4 / 3 * lam ** 3 - 2 * lam ** 2 + kappa * lam) / (kappa - 2 / 3)


def build_value_neck(in_channels: int, hidden_channels: Optional[int] = None,
                      out_channels: int = 1, num_layers: int = 2, dropout: float = 0.0,
                      norm: Optional[str] = 'BN', act: str = 'ELU') -> nn.Sequential:
    """SAMix's non-linear value: ``num_layers`` 1x1 convolutions without bias, each but
    the last followed by ``norm`` and ``act``, then dropout on the one-channel output."""
    key = 'mix_block.value_neck'
    if out_channels != 1:
        raise ValueError(f'{key}.out_channels={out_channels!r}: the value is one channel '
                         'per position (the mask logit before attention); expected 1')
    if not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f'{key}.num_layers={num_layers!r}: expected an int >= 1')
    hidden = in_channels // 2 if hidden_channels is None else hidden_channels
    if not isinstance(hidden, int) or hidden < 1:
        raise ValueError(f'{key}.hidden_channels={hidden_channels!r}: expected an int >= 1')
    if not 0 <= dropout < 1:
        raise ValueError(f'{key}.dropout={dropout!r}: expected a probability in [0, 1)')
    if norm not in NECK_NORMS:
        raise ValueError(f'{key}.norm={norm!r}: expected one of {NECK_NORMS}')
    if act not in NECK_ACTS:
        raise ValueError(f'{key}.act={act!r}: expected one of {sorted(NECK_ACTS)}')
    layers = []
    for i in range(num_layers):
        last = i == num_layers - 1
        layers.append(nn.Conv2d(in_channels if i == 0 else hidden, 1 if last else hidden,
                                kernel_size=1, bias=False))
        if not last:
            if norm == 'BN':
                layers.append(nn.BatchNorm2d(hidden))
            layers.append(NECK_ACTS[act]())
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


#: the option pairs the official block forbids or cannot run
EXCLUSIVE = (('lam_concat', 'lam_concat_v'), ('lam_concat', 'lam_mul'),
             ('lam_concat', 'x_qk_concat'), ('lam_concat', 'x_v_concat'),
             ('lam_concat_v', 'x_v_concat'))


def check_mix_block_options(mask_loss_mode: str, mask_loss_margin: float,
                            attention_init_std: float, lam_mul: Union[float, bool],
                            lam_mul_k: Union[float, Sequence[float]],
                            **exclusive) -> Tuple[float, list]:
    """The Mix Block's own options (``mix_block.*``), checked once at construction;
    ``exclusive`` holds the λ-giving switches of :data:`EXCLUSIVE`. Returns μ as a float
    and the list of k of ``lam_mul_k`` (a negative k as −1: λ' = λ)."""
    if mask_loss_mode not in LOSS_MODES:
        raise ValueError(f'mix_block.mask_loss_mode={mask_loss_mode!r}: expected one of '
                         f'{LOSS_MODES}')
    if mask_loss_margin < 0:
        raise ValueError(f'mix_block.mask_loss_margin={mask_loss_margin!r}: expected >= 0')
    if isinstance(attention_init_std, bool) or not isinstance(
            attention_init_std, (int, float)) or not attention_init_std > 0:
        raise ValueError(f'mix_block.attention_init_std={attention_init_std!r}: expected '
                         'a standard deviation > 0 (official: 0.01)')
    mu = float(lam_mul)
    if not 0 <= mu <= 1:
        raise ValueError(f'mix_block.lam_mul={mu!r}: expected μ in [0, 1] (True '
                         'means 1.0, 0 turns the λ scaling off)')
    ks = [lam_mul_k] if isinstance(lam_mul_k, (int, float)) else list(lam_mul_k)
    if not ks or any(not isinstance(k, (int, float)) or k > 10 for k in ks):
        raise ValueError(f'mix_block.lam_mul_k={lam_mul_k!r}: expected a number <= 10 '
                         'or a list of them (negative: no rescaling of λ)')
    opts = dict(exclusive, lam_mul=mu)
    for a, b in EXCLUSIVE:
        if opts[a] and opts[b]:
            raise ValueError(
                f'mix_block.{a}={opts[a]!r} with mix_block.{b}={opts[b]!r}: these give '
                'the Mix Block λ (or its value input) in two contradicting ways; '
                f'expected at most one of {a}, {b}')
    return mu, [float(k) if k >= 0 else -1.0 for k in ks]


def draw_lambda_factors(lam: float, mu: float, ks: Sequence[float],
                        residual: bool) -> Tuple[float, float]:
    """(a_i, a_j), the scalars SAMix's ``lam_mul`` multiplies z_i and z_j by: with the
    residual 1 + μλ' and 1 + μ(1 − λ'), without it λ' and 1 − λ', where λ' = r_k(λ)
    with k drawn from ``ks``; (1, 1) when μ = 0 (no draw)."""
    if not mu:
        return 1.0, 1.0
    lam_r = rescale_lambda(lam, random.choices(ks, k=1)[0])
    if residual:
        return 1 + lam_r * mu, 1 + (1 - lam_r) * mu
    return lam_r, 1 - lam_r
