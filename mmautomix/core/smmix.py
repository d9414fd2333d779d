"""SMMix's region swap and losses (Chen et al., "SMMix: Self-Motivated Image Mixing for
Vision Transformers", ICCV 2023), in plain PyTorch.

**Self-motivated mixing.** A forward pass of the model itself, in evaluation mode and
without a gradient, on the clean images gives its prediction z⁰ and, from the last
attention layer, how much attention each patch token receives: a_p, the attention
probabilities softmax(q kᵀ / √d) with patch keys p, averaged over the heads and over the
patch queries (the official code's ``attn[:, :, 1:, 1:].mean(dim=(1, 2))``). On the g × g
token grid, with a square side s drawn uniformly from the integers
[⌊g r_min⌋, ⌊g r_max⌋], every s × s window is scored by the attention it holds. Image A
(the target) loses its *least* attended window, which is filled with the *most* attended
window of its pair B (the source, image N − 1 − i): the least informative part of A is
replaced by the most informative part of B, at A's window position. A's label weight is
the share of A's tokens left, λ = 1 − s² / g².

**Losses** (the official ``engine.py``), with CE the recipe's soft-target loss:

    L = CE(z, λ y_A + (1 − λ) y_B)
      + ½ [CE(h(t̄_A), y_A) + CE(h(t̄_B), y_B)]                      (fine-grained labels)
      + KL(softmax(λ z⁰_A + (1 − λ) z⁰_B) ‖ softmax(z))             (consistency)

where t̄_A (t̄_B) is the mean of the last layer's normalised image tokens over A's (B's)
token positions in the mixed image and h a linear token head of its own; the KL is
averaged over the batch and its target, the mixed logits of the clean images, carries no
gradient.
"""
import torch
import torch.nn.functional as F


def window_corners(attention: torch.Tensor, grid: int, side: int):
    """The top-left token (row, column) of each image's least and most attended
    ``side`` × ``side`` window on the ``grid`` × ``grid`` token grid, from the attention
    a (N × grid²); ties go to the first window in row-major order, as ``argmin``."""
    if not 1 <= side <= grid:
        raise ValueError(f'SMMix: a window of side {side} does not fit a {grid}x{grid} '
                         'token grid')
    maps = attention.reshape(-1, 1, grid, grid)
    sums = F.unfold(maps, side, stride=1).sum(dim=1)        # each window's attention
    places = grid - side + 1

    def corner(flat):
        return torch.stack([flat // places, flat % places], dim=1)
    return corner(sums.argmin(dim=1)), corner(sums.argmax(dim=1))


def window_tokens(corners: torch.Tensor, grid: int, side: int) -> torch.Tensor:
    """The token indices (N × side², row-major) of the windows with top-left
    ``corners`` (N × 2)."""
    offsets = torch.arange(side, device=corners.device)
    rows = corners[:, :1, None] + offsets[None, :, None]
    cols = corners[:, 1:, None] + offsets[None, None, :]
    return (rows * grid + cols).flatten(1)


def swap_regions(images: torch.Tensor, attention: torch.Tensor, grid: int, side: int):
    """SMMix's mixed images (see the module docstring): image i's least attended window
    filled with the most attended window of image N − 1 − i, patch for patch in the
    same order. Returns the mixed images and the source mask (N × grid², True on the
    tokens taken from the pair)."""
    n, c, h, w = images.shape
    if h != w or h % grid:
        raise ValueError(f'SMMix: a {h}x{w} image is not a {grid}x{grid} grid of square '
                         'patches')
    ps = h // grid
    lowest, highest = window_corners(attention, grid, side)
    target_idx = window_tokens(lowest, grid, side)
    source_idx = window_tokens(highest, grid, side).flip(0)   # the pair's best window
    patches = images.reshape(n, c, grid, ps, grid, ps).permute(0, 2, 4, 1, 3, 5)
    patches = patches.reshape(n, grid * grid, c, ps, ps)
    rows = torch.arange(n, device=images.device)[:, None]
    mixed = patches.clone()
    mixed[rows, target_idx] = patches.flip(0)[rows, source_idx]
    mixed = mixed.reshape(n, grid, grid, c, ps, ps).permute(0, 3, 1, 4, 2, 5)
    source_mask = torch.zeros(n, grid * grid, dtype=torch.bool, device=images.device)
    source_mask[rows, target_idx] = True
    return mixed.reshape(n, c, h, w), source_mask


def masked_token_mean(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean of the patch ``tokens`` (N × P × C) over the positions where ``mask``
    (N × P) is True."""
    m = mask.to(tokens).unsqueeze(-1)
    return (tokens * m).sum(dim=1) / m.sum(dim=1)


def consistency_loss(logits: torch.Tensor, clean_logits: torch.Tensor,
                     lam: float) -> torch.Tensor:
    """KL(softmax(λ z⁰ + (1 − λ) z⁰_flipped) ‖ softmax(z)), averaged over the batch: the
    prediction on the mixed images against the area-weighted mix of the clean
    predictions' logits (pairs: the batch reversed)."""
    target = lam * clean_logits + (1 - lam) * clean_logits.flip(0)
    return F.kl_div(F.log_softmax(logits, dim=1), F.softmax(target.detach(), dim=1),
                    reduction='batchmean')
