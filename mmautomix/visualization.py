"""Readable pictures of mixed samples: upscaled tiles with captions and row labels.

Used by ``MixedSampleVisHook`` (training-time pictures) and ``tools/visualize_mixes.py``
(AutoMix beside the other mixups). Text is drawn with OpenCV's Hershey font, so only
ASCII is written ("lam" for λ).
"""
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch

WHITE = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
LINE_H = 14      # pixels per caption line at FONT_SCALE
FONT_SCALE = 0.4


def to_uint8(x: torch.Tensor, mean=None, std=None) -> np.ndarray:
    """N×C×H×W images (normalised when ``mean``/``std`` are given, else 0-255; masks as
    values in [0, 255]) → N×H×W×3 uint8."""
    x = x.detach().float().cpu()
    if mean is not None:
        x = x * std.cpu().view(1, -1, 1, 1) + mean.cpu().view(1, -1, 1, 1)
    if x.size(1) == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.clamp(0, 255).round().byte().permute(0, 2, 3, 1).numpy()


def _text(img: np.ndarray, text: str, x: int, y: int) -> None:
    cv2.putText(img, text, (x, y), FONT, FONT_SCALE, (0, 0, 0), 1, cv2.LINE_AA)


def tile_grid(cells: Sequence[Sequence[Optional[np.ndarray]]],
              captions: Optional[Sequence[Sequence[str]]] = None,
              row_labels: Optional[Sequence[str]] = None,
              min_tile: int = 96, pad: int = 4) -> np.ndarray:
    """One H×W×3 uint8 picture of ``cells[r][c]`` (H×W×3 uint8 tiles of one size, or
    None for a blank), each upscaled by an integer factor to at least ``min_tile`` px
    (nearest neighbour, so pixels stay visible), with ``captions[r][c]`` (lines joined
    by '\\n') under each tile and ``row_labels`` on the left."""
    tile = next(t for row in cells for t in row if t is not None)
    h, w = tile.shape[:2]
    s = max(1, -(-min_tile // max(h, w)))
    th, tw = h * s, w * s
    n_rows, n_cols = len(cells), max(len(r) for r in cells)
    lines = 0
    if captions:
        lines = max(len(c.split('\n')) for row in captions for c in row if c) if any(
            c for row in captions for c in row) else 0
    cap_h = lines * LINE_H + (4 if lines else 0)
    label_w = 0
    if row_labels:
        label_w = max(cv2.getTextSize(t, FONT, FONT_SCALE, 1)[0][0] for t in row_labels) + 2 * pad
    height = pad + n_rows * (th + cap_h + pad)
    width = label_w + pad + n_cols * (tw + pad)
    grid = np.full((height, width, 3), 255, np.uint8)
    for r, row in enumerate(cells):
        y0 = pad + r * (th + cap_h + pad)
        if row_labels:
            _text(grid, row_labels[r], pad, y0 + th // 2 + 4)
        for c, cell in enumerate(row):
            x0 = label_w + pad + c * (tw + pad)
            if cell is not None:
                grid[y0:y0 + th, x0:x0 + tw] = np.repeat(np.repeat(cell, s, 0), s, 1)
            text = captions[r][c] if captions and c < len(captions[r]) else ''
            for i, line in enumerate(text.split('\n') if text else []):
                _text(grid, line, x0 + 1, y0 + th + (i + 1) * LINE_H)
    return grid


def _sources_grid(record: dict, n: int, mean, std, min_tile: int) -> np.ndarray:
    """AdAutoMix's picture: for each source s a row with x[I_s] and a row with its mask
    M_s (white = all of x[I_s]; its mean and weight ℓ_s under it), then the mixed image."""
    rows, captions, labels = [], [], []
    for s, idx in enumerate(record['idx']):
        m = record['mask'][:n, s:s + 1].float()
        rows += [to_uint8(record['x'][idx[:n]], mean, std), to_uint8(m * 255.0)]
        means = m.flatten(1).mean(1).tolist()
        captions += [[''] * n, [f'mean {v:.2f}\nw {record["lam"][s]:.2f}' for v in means]]
        labels += [f'x_{s + 1}', f'M_{s + 1}']
    rows.append(to_uint8(record['mixed'][:n], mean, std))
    captions.append([''] * n)
    labels.append('mixed')
    return tile_grid([list(r) for r in rows], captions, labels, min_tile=min_tile)


def picture_name(record: dict) -> str:
    """The name of a training-time picture, with λ (or AdAutoMix's weights ℓ_s)."""
    lam = record['lam']
    if isinstance(lam, (list, tuple)):
        return 'adautomix_mixed_w' + '-'.join(f'{v:.2f}' for v in lam)
    return f'automix_mixed_lam{lam:.2f}'


def mixed_sample_grid(record: dict, mean=None, std=None, max_samples: int = 8,
                      min_tile: int = 96) -> np.ndarray:
    """The training-time picture of AutoMix: rows x_i, x_j (the paired image), the mask
    M[:, 0] applied to x_i (white = keep x_i) with its mean beside the λ x_i's label
    weight is (a mask that follows λ has mean λ) and its spatial std (0: flat), and the
    mixed image with λ under it; one column per sample."""
    n = min(max_samples, record['x'].size(0))
    if isinstance(record['idx'], (list, tuple)):
        return _sources_grid(record, n, mean, std, min_tile)
    x, idx = record['x'][:n], record['idx'][:n]
    # plain mixup's mask (an extreme λ_bb, recorded on a step without the Mix Block) is
    # one value broadcast over the batch and the pixels: drawn as the image it mixes
    full = record['x'].shape
    mask = record['mask'][:, :1].expand(full[0], 1, *full[2:])[:n]
    rows = [to_uint8(x, mean, std), to_uint8(record['x'][idx], mean, std),
            to_uint8(mask * 255.0), to_uint8(record['mixed'][:n], mean, std)]
    means = mask.float().flatten(1).mean(1).tolist()
    stds = mask.float().flatten(1).std(1).tolist()
    # the mask's share of x_i against the λ its label gets, and its spatial contrast
    captions = [[''] * n, [''] * n,
                [f'mean {m:.2f}\nlam  {record["lam"]:.2f}\nstd {sd:.3f}'
                 for m, sd in zip(means, stds)],
                [f'lam {record["lam"]:.2f}'] * n]
    cells: List[List[np.ndarray]] = [list(r) for r in rows]
    return tile_grid(cells, captions, ['x_i', 'x_j', 'M[0]', 'mixed'], min_tile=min_tile)
