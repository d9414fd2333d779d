"""PuzzleMix: saliency-aware block mixing by graph cut, with optimal transport of blocks.

"Puzzle Mix: Exploiting Saliency and Local Statistics for Optimal Mixup", Kim et al.,
ICML 2020 (official code: github.com/snu-mllab/PuzzleMix; the reference tables use
OpenMixup's port, whose defaults are kept here).

One training step:
 1. Saliency s = ‖∂L/∂x‖ over channels, from an extra forward and a backward to the
    input of the clean batch, with the network in eval mode (BN running statistics),
    as in OpenMixup. Only the input gradient is computed (no weight gradients).
 2. λ ~ Beta(α, α), a pairing ``index``, a grid of B × B blocks with B = 2^e, e drawn
    from ``block_num``. Per pair, the labelling of the blocks with ``n_labels`` levels
    between x (1) and x[index] (0) minimises, by α-β-swap graph cut (``gco-wrapper``),
    the saliency each image loses, a prior that favours λ (weight η), and a smoothness
    term between neighbouring blocks (label smoothness β, data smoothness γ measured on
    the un-normalised images pooled by ``neigh_size``).
 3. Optionally (``transport``), each image's salient blocks are moved into the region
    the labelling gives it, by the official greedy transport plan (cost t_eps · block
    distance − saliency), on blocks of ``t_size`` pixels.
 4. x̃ = M ⊙ x' + (1 − M) ⊙ x'[index]; each sample's label weight is the mean of its M.

Cost per step, against Mixup's one forward and backward: one more forward and one
input-only backward through the network (in eval mode), the per-pair graph cut on the
CPU (the step waits for it: the unary and pairwise terms go to the host and the mask
comes back), and the transport plan (B² × B² per pair, ``B`` iterations).
``n_workers`` > 0 runs the graph cuts in a process pool, the official code's ``mp``
option (there it is a new pool per step). Here each model owns one pool: started on the
first step that needs it, from fresh interpreters (``spawn``: a ``fork`` after torch's
threads have started can deadlock the child), and closed by ``close_pool()``, when the
model is garbage-collected, or at interpreter exit. ``tools/benchmark_step.py``
measures it.

Block numbers: OpenMixup's rule, B = 2^e with e uniform in [1, block_num), so the
default block_num 4 gives B ∈ {2, 4, 8}. The PuzzleMix authors' code draws
2^randint(1, 5), B ∈ {2, 4, 8, 16}: that is block_num=5, the reference CIFAR configs'
value. Other defaults are the official ones (β 1.2, γ 0.5, η 0.2, neigh_size 4,
3 labels, t_eps 0.8, transport on whole blocks); the reference CIFAR configs use
t_size=4. Reported tables (docs/reported_results.md): α = 1 on CIFAR, Tiny-
ImageNet and ImageNet.

Differences from the official code: the images are un-normalised with the model's own
data preprocessor (the official code assumes CIFAR or ImageNet statistics); images
may have any number of channels (the official transport assumes 3); a saliency that
sums to zero over an image is kept finite.
"""
import functools
import math
import multiprocessing
import weakref
from typing import List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models import ImageClassifier

from mmautomix.registry import MODELS, our_scope
from ..data_preprocessor import normalization
from .mask_mix import check_alpha, check_positive, permutation
from .targets import (check_labels, check_no_batch_augments, check_soft_loss,
                      set_mixed_scores)

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


@MODELS.register_module()
class PuzzleMix(ImageClassifier):
    """ImageClassifier trained with PuzzleMix (see the module docstring).

    Args:
        alpha (float): α of λ ~ Beta(α, α). Reference tables: 1.
        block_num (int | (int, int)): the grid is 2^e × 2^e blocks, e uniform in
            [lo, hi); an int k means (1, k), as in the official code. Every grid must
            divide the input size.
        beta (float): β, label smoothness (>= 0). gamma (float): γ, data smoothness
            (>= 0). eta (float): η, weight of the λ prior (>= 0).
        neigh_size (int): pixels pooled for the data smoothness term.
        n_labels (int): mask levels, 2-4 (3: M ∈ {0, ½, 1}).
        t_eps (float): transport cost of distance. t_size (int): transport block size
            in pixels (-1: the graph-cut blocks). transport (bool): move salient blocks.
        n_workers (int): processes for the graph cuts (0: in this process).
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 alpha: float = 1.0,
                 block_num=4,
                 beta: float = 1.2,
                 gamma: float = 0.5,
                 eta: float = 0.2,
                 neigh_size: int = 4,
                 n_labels: int = 3,
                 t_eps: float = 0.8,
                 t_size: int = -1,
                 transport: bool = True,
                 n_workers: int = 0,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if gco is None:
            raise ImportError('model.type=PuzzleMix needs the graph-cut library gco: '
                              'pip install gco-wrapper (tools/install.sh installs it)')
        self.alpha = check_alpha(alpha, 'model.alpha', 'PuzzleMix')
        check_soft_loss(head, 'PuzzleMix')
        check_no_batch_augments(train_cfg, 'PuzzleMix')
        exps = (1, block_num) if isinstance(block_num, int) else tuple(block_num)
        if len(exps) != 2 or not all(isinstance(e, int) for e in exps) or \
                not 1 <= exps[0] < exps[1]:
            raise ValueError(f'model.block_num={block_num!r}: expected an int k >= 2 or a '
                             'pair (lo, hi), 1 <= lo < hi: grids of 2^e blocks, e in [lo, hi)')
        for name, value in (('beta', beta), ('gamma', gamma), ('eta', eta)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f'model.{name}={value!r}: expected a float >= 0')
        if not isinstance(neigh_size, int) or neigh_size < 1:
            raise ValueError(f'model.neigh_size={neigh_size!r}: expected an int >= 1')
        if n_labels not in (2, 3, 4):
            raise ValueError(f'model.n_labels={n_labels!r}: expected 2, 3 or 4')
        if not (t_size == -1 or isinstance(t_size, int) and t_size >= 1):
            raise ValueError(f'model.t_size={t_size!r}: expected -1 or an int >= 1')
        if not isinstance(n_workers, int) or n_workers < 0:
            raise ValueError(f'model.n_workers={n_workers!r}: expected an int >= 0')
        with our_scope():
            super().__init__(backbone=backbone, neck=neck, head=head, train_cfg=train_cfg,
                             data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.block_exponents = exps
        self.mix_args = dict(beta=float(beta), gamma=float(gamma), eta=float(eta),
                             neigh_size=neigh_size, n_labels=n_labels,
                             t_eps=check_positive('model.t_eps', t_eps),
                             t_size=t_size, transport=bool(transport))
        self.n_workers = n_workers
        self._pool = None
        self._checked_sizes = set()

    def pool(self):
        """The model's graph-cut pool (``None`` with ``n_workers=0``), started on first
        use; terminated by :meth:`close_pool`, garbage collection or interpreter exit."""
        if self.n_workers and self._pool is None:
            self._pool = start_pool(self.n_workers)
            self._pool_finalizer = weakref.finalize(self, self._pool.terminate)
        return self._pool

    def close_pool(self):
        """Stop the graph-cut workers now (a later step starts a new pool)."""
        if self._pool is not None:
            self._pool_finalizer()
            self._pool = None

    def __getstate__(self):   # a deep copy or pickle of the model carries no pool
        state = dict(super().__getstate__())
        state['_pool'] = None
        state.pop('_pool_finalizer', None)
        return state

    def check_input_size(self, size: int):
        """Every grid must tile the input, and the pooling sizes each grid's blocks."""
        if size in self._checked_sizes:
            return
        for e in range(*self.block_exponents):
            b = 2 ** e
            bs = size // b
            ns = min(self.mix_args['neigh_size'], max(bs, 1))
            ts = min(self.mix_args['t_size'], bs)
            bad = None
            if size % b:
                bad = f'model.block_num: a {b}x{b} grid does not tile {size} px'
            elif bs % ns:
                bad = f'model.neigh_size={ns} does not divide the {bs}-px blocks'
            elif self.mix_args['transport'] and ts not in (-1, bs) and (bs % ts or size % ts):
                bad = f'model.t_size={ts} does not divide the {bs}-px blocks'
            if bad:
                raise ValueError(f'PuzzleMix on {size}x{size} inputs: {bad} (grids 2^e for '
                                 f'e in {list(range(*self.block_exponents))}). Expected '
                                 'block_num, neigh_size and t_size that divide the input '
                                 'and block sizes')
        self._checked_sizes.add(size)

    def input_saliency(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return input_saliency(self, lambda x: self.head(self.extract_feat(x)), inputs, labels)

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        if inputs.size(-1) != inputs.size(-2):
            raise ValueError(f'PuzzleMix expects square inputs, got '
                             f'{inputs.size(-2)}x{inputs.size(-1)}')
        self.check_input_size(inputs.size(-1))
        labels = torch.cat([ds.gt_label for ds in data_samples])
        check_labels(labels, self.head.num_classes)   # before the saliency's cross-entropy
        labels = labels.to(inputs.device)
        saliency = self.input_saliency(inputs, labels)
        lam = float(np.random.beta(self.alpha, self.alpha))
        index = permutation(inputs.size(0), inputs.device)
        block_num = 2 ** int(np.random.randint(*self.block_exponents))
        mean, std = unit_range(self.data_preprocessor, inputs)
        mixed, lam_per_sample = puzzle_mix(inputs, saliency, index, lam, block_num, mean,
                                           std, pool=self.pool(), **self.mix_args)
        set_mixed_scores(data_samples, index, lam_per_sample, self.head.num_classes)
        return self.head.loss(self.extract_feat(mixed), data_samples)
