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
import weakref
from typing import List, Optional

import numpy as np
import torch
from mmpretrain.models import ImageClassifier

from mmautomix.registry import MODELS, our_scope
from . import puzzlemix_mask
from .mask_mix import check_alpha, check_positive, permutation
from .puzzlemix_mask import input_saliency, puzzle_mix, start_pool, unit_range
from .targets import (check_labels, check_no_batch_augments, check_soft_loss,
                      set_mixed_scores)


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
        if puzzlemix_mask.gco is None:
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
