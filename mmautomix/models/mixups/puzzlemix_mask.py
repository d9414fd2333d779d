"""PuzzleMix's mask (``models/mixups/puzzlemix.py`` describes the method): the α-β-swap
graph cut over blocks, the greedy transport of salient blocks, the input saliency and
the graph-cut process pool."""
import functools
import math
import multiprocessing

import numpy as np
import torch
import torch.nn.functional as F

from ..data_preprocessor import normalization

try:
    import gco
except ImportError:  # checked when a PuzzleMix model is built
    gco = None


def graph_cut(unary1, unary2, pw_x, pw_y, alpha, beta, eta, n_labels, eps=1e-8):
    """Block labelling of one pair: M ∈ {0, 1/(L−1), ..., 1}^{B×B} (1 = first image).

    ``unary1``/``unary2``: the cost of giving a block to the second/first image
    (the other image's saliency there, plus smoothness); ``pw_x``/``pw_y``: the
    data-dependent vertical/horizontal edge costs; ``alpha``: the drawn λ."""
    block_num = unary1.shape[0]
    large_val = 1000 * block_num ** 2
    k = np.arange(n_labels)
    binom = np.array([math.comb(n_labels - 1, int(i)) for i in k], dtype=np.float64)
    prior = -np.log(binom * alpha ** (n_labels - 1 - k) * (1 - alpha) ** k + eps)
    prior = eta * prior / block_num ** 2
    levels = np.linspace(0, 1, n_labels)
    unary = np.stack([(1 - lv) * unary1 + lv * unary2 + prior[i]
                      for i, lv in enumerate(levels)], axis=-1)
    unary = (large_val * unary).astype(np.int32)
    pairwise = ((k[:, None] - k[None, :]) ** 2 / (n_labels - 1) ** 2).astype(np.float32)
    pw_x = (large_val * (pw_x + beta)).astype(np.int32)
    pw_y = (large_val * (pw_y + beta)).astype(np.int32)
    labels = gco.cut_grid_graph(unary, pairwise, pw_x, pw_y, algorithm='swap')
    return (1.0 - labels / (n_labels - 1)).reshape(block_num, block_num)


def neighbour_penalty(a: torch.Tensor, b: torch.Tensor, k: int):
    """Mean |a − b| across each block boundary (a above/left of b), per boundary."""
    pw_x = (a[:, :, :-1, :] - b[:, :, 1:, :])[:, :, k - 1::k, :]
    pw_y = (a[:, :, :, :-1] - b[:, :, :, 1:])[:, :, :, k - 1::k]
    pw_x = F.avg_pool2d(pw_x.abs().mean(1), kernel_size=(1, k))
    pw_y = F.avg_pool2d(pw_y.abs().mean(1), kernel_size=(k, 1))
    return pw_x, pw_y


@functools.lru_cache(maxsize=None)
def _grid_cost(width: int) -> torch.Tensor:
    ij = torch.stack(torch.meshgrid(torch.arange(width), torch.arange(width),
                                    indexing='ij'), -1).reshape(-1, 2).float()
    return torch.cdist(ij, ij).pow(2) / (width - 1) ** 2


def transport_plan(mask: torch.Tensor, saliency: torch.Tensor, eps: float) -> torch.Tensor:
    """Greedy plan (N × B² × B², rows = source blocks, columns = destinations): move
    salient blocks into the blocks where ``mask`` > 0, as the official code does."""
    n, _, b, _ = mask.shape
    cost = eps * _grid_cost(b).to(mask)[None] - \
        saliency.reshape(n, b * b, 1) * (mask > 0).float().reshape(n, 1, b * b)
    for _ in range(b):
        row_best = cost.argmin(-1, keepdim=True)
        plan = torch.zeros_like(cost).scatter_(-1, row_best, 1)
        col_best = (plan * cost).argmin(-2, keepdim=True)
        plan_win = torch.zeros_like(cost).scatter_(-2, col_best, 1) * plan
        cost += (1 - plan_win) * plan
    return plan_win


def transport_blocks(x: torch.Tensor, plan: torch.Tensor, b: int, size: int):
    """Destination block j = Σ_i plan[i, j] · source block i (blocks row-major)."""
    n, c = x.shape[:2]
    blocks = x.reshape(n, c, b, size, b, size).transpose(3, 4).reshape(n, c, b * b, size, size)
    out = torch.einsum('nij,ncipq->ncjpq', plan.to(x), blocks)
    return out.reshape(n, c, b, b, size, size).transpose(3, 4).reshape(n, c, b * size, b * size)


def _normalised(pool: torch.Tensor) -> torch.Tensor:
    n = pool.size(0)
    return pool / pool.reshape(n, -1).sum(1).clamp_min(1e-12).view(n, 1, 1)


def puzzle_mix(x, saliency, index, lam, block_num, mean, std, beta=1.2, gamma=0.5,
               eta=0.2, neigh_size=4, n_labels=3, t_eps=0.8, t_size=-1, transport=True,
               pool=None):
    """Mixed images and the per-sample label weights λ' (N,) for one draw.

    ``x``: normalised N×C×H×W images; ``saliency``: N×H×W; ``mean``/``std``: C×1×1 so
    that x·std + mean is in [0, 1]; ``block_num``: B, the grid is B × B."""
    n, _, _, width = x.shape
    block_size = width // block_num
    neigh_size = min(neigh_size, block_size)
    t_size = min(t_size, block_size)
    beta = beta / block_num / 16
    unary1_t = _normalised(F.avg_pool2d(saliency, block_size))
    unary2_t = unary1_t[index]
    pooled1 = F.avg_pool2d(x * std + mean, neigh_size)
    pooled2 = pooled1[index]
    k = block_size // neigh_size
    pw_x = x.new_zeros(n, 2, 2, block_num - 1, block_num)
    pw_y = x.new_zeros(n, 2, 2, block_num, block_num - 1)
    for i, a in enumerate((pooled2, pooled1)):
        for j, b in enumerate((pooled2, pooled1)):
            pw_x[:, i, j], pw_y[:, i, j] = neighbour_penalty(a, b, k)
    pw_x, pw_y = beta * gamma * pw_x, beta * gamma * pw_y
    u1, u2 = unary1_t.clone(), unary2_t.clone()
    u2[:, :-1, :] += (pw_x[:, 1, 0] + pw_x[:, 1, 1]) / 2
    u1[:, :-1, :] += (pw_x[:, 0, 1] + pw_x[:, 0, 0]) / 2
    u2[:, 1:, :] += (pw_x[:, 0, 1] + pw_x[:, 1, 1]) / 2
    u1[:, 1:, :] += (pw_x[:, 1, 0] + pw_x[:, 0, 0]) / 2
    u2[:, :, :-1] += (pw_y[:, 1, 0] + pw_y[:, 1, 1]) / 2
    u1[:, :, :-1] += (pw_y[:, 0, 1] + pw_y[:, 0, 0]) / 2
    u2[:, :, 1:] += (pw_y[:, 0, 1] + pw_y[:, 1, 1]) / 2
    u1[:, :, 1:] += (pw_y[:, 1, 0] + pw_y[:, 0, 0]) / 2
    pw_x = (pw_x[:, 1, 0] + pw_x[:, 0, 1] - pw_x[:, 1, 1] - pw_x[:, 0, 0]) / 2
    pw_y = (pw_y[:, 1, 0] + pw_y[:, 0, 1] - pw_y[:, 1, 1] - pw_y[:, 0, 0]) / 2
    u1, u2, pw_x, pw_y = (t.detach().float().cpu().numpy() for t in (u1, u2, pw_x, pw_y))
    jobs = [(u2[i], u1[i], pw_x[i], pw_y[i], lam, beta, eta, n_labels) for i in range(n)]
    masks = pool.starmap(graph_cut, jobs) if pool is not None else \
        [graph_cut(*job) for job in jobs]
    mask = torch.from_numpy(np.stack(masks).astype(np.float32)).to(x.device).unsqueeze(1)

    x1, x2 = x, x[index]
    if transport:
        if t_size == -1:
            t_blocks, t_size = block_num, block_size
        elif t_size < block_size:
            t_blocks = width // t_size
            mask = F.interpolate(mask, size=t_blocks)
            unary1_t = _normalised(F.avg_pool2d(saliency, t_size))
            unary2_t = unary1_t[index]
        else:
            t_blocks = block_num
        x1 = transport_blocks(x1, transport_plan(mask, unary1_t, t_eps), t_blocks, t_size)
        x2 = transport_blocks(x2, transport_plan(1 - mask, unary2_t, t_eps), t_blocks, t_size)
    mask = F.interpolate(mask, size=width).to(x)
    return mask * x1 + (1 - mask) * x2, mask.reshape(n, -1).mean(-1)


def input_saliency(model: torch.nn.Module, logits_fn, inputs: torch.Tensor,
                   labels: torch.Tensor) -> torch.Tensor:
    """s = √(mean_c (∂L/∂x)²), N×H×W: the cross-entropy of ``logits_fn(x)`` against
    ``labels``, differentiated to the input only, with ``model`` in eval mode."""
    was_training = model.training
    model.eval()
    try:
        x = inputs.detach().requires_grad_(True)
        with torch.enable_grad():
            loss = F.cross_entropy(logits_fn(x).float(), labels)
            grad, = torch.autograd.grad(loss, x)
    finally:
        model.train(was_training)
    return grad.pow(2).mean(1).sqrt()


def unit_range(data_preprocessor, like: torch.Tensor):
    """(mean, std), C×1×1, such that x·std + mean maps the preprocessed inputs to [0, 1]."""
    mean, std = normalization(data_preprocessor)
    if mean is not None:
        return mean.to(like) / 255, std.to(like) / 255
    return like.new_zeros(1, 1, 1), like.new_full((1, 1, 1), 1 / 255)


def start_pool(n_workers: int):
    """A pool of ``n_workers`` fresh processes (``spawn``) for the graph cuts."""
    return multiprocessing.get_context('spawn').Pool(n_workers)
