"""The momentum (EMA) encoder θ_k: its copy, its update and its schedule.

θ_k ← m·θ_k + (1−m)·θ_q on parameters only (θ_k keeps its own BN buffers, which its
own forward passes update). ``m`` is the weight *kept* by θ_k (0.999 → 0.999999 in the
AutoMix recipes); mmpretrain's ``CosineEMA`` names the other weight, 1 − m, momentum.

Schedule (official ``CosineScheduleHook``), before iteration k of K:

    m = m_base                                          for k < k_min = int(K·scope[0])
    m = m_end − (m_end − m_base)·(cos(π·k/k_max) + 1)/2 for k_min ≤ k ≤ k_max

with k_max = K (or int(K·scope[1]) if scope[1] < 1); the cosine is measured from
iteration 0, not k_min, as in the official code, so m steps from m_base to just above it
at k_min.
"""
import math
from typing import Iterable, Sequence

import torch
import torch.nn as nn


def momentum_at(k: int, max_iters: int, base: float, end: float,
                adjust_scope: Sequence[float] = (0.1, 1.0)) -> float:
    """The official schedule's m before iteration ``k`` of ``max_iters``."""
    k_min = int(max_iters * adjust_scope[0])
    k_max = max_iters if adjust_scope[1] >= 1 else int(max_iters * adjust_scope[1])
    if k < k_min:
        return base
    if k > k_max:
        return end
    return end - (end - base) * (math.cos(math.pi * k / k_max) + 1) / 2


def _pairs(online: Iterable[nn.Module], ema: Iterable[nn.Module]):
    q_params, k_params = [], []
    for q, k in zip(online, ema):
        q_params += list(q.parameters())
        k_params += list(k.parameters())
    if len(q_params) != len(k_params):
        raise ValueError(f'θ_q has {len(q_params)} parameters and θ_k {len(k_params)}; '
                         'expected two copies of the same architecture')
    return q_params, k_params


@torch.no_grad()
def copy_to_ema(online: Iterable[nn.Module], ema: Iterable[nn.Module]) -> None:
    """θ_k ← θ_q (parameters only), at initialisation."""
    q_params, k_params = _pairs(online, ema)
    for p_q, p_k in zip(q_params, k_params):
        p_k.copy_(p_q)


@torch.no_grad()
def ema_update(online: Iterable[nn.Module], ema: Iterable[nn.Module],
               momentum: float) -> None:
    """θ_k ← m·θ_k + (1−m)·θ_q for parameters only; ``momentum >= 1`` freezes θ_k."""
    if momentum >= 1:
        return
    q_params, k_params = _pairs(online, ema)
    torch._foreach_lerp_(k_params, q_params, 1.0 - momentum)
