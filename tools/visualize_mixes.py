"""One picture of what AutoMix's Mix Block (or SAMix's, or AdAutoMix's mask generator)
makes of test images, beside the other mixups.

    python tools/visualize_mixes.py CONFIG [--checkpoint CKPT] [--out mixes.png]
        [--lams 0.2 0.35 0.5 0.65 0.8] [--pairs 2] [--seed 0] [--puzzle-blocks 4]
        [--cfg-options key=value ...]

CONFIG is an AutoMix, SAMix or AdAutoMix config; its test dataset supplies the images. With --checkpoint
the Mix Block and the EMA model θ_k are the trained ones, without it they keep their
random initialisation. For each pair (x_i, x_j) of test images of different classes
and each λ (columns), the rows are: the Mix Block's mask M[0] (the weight of x_i; its
mean and spatial std under it), AutoMix's mixed image, and what Mixup, CutMix, FMix,
SaliencyMix and PuzzleMix make of the same pair at the same λ, each with the label
weight λ' it gives x_i. PuzzleMix's saliency is the input gradient of θ_k; its grid is
--puzzle-blocks blocks across, with transport.
For AdAutoMix with K source images (``model.mix_samples``) each group has K test images
of different classes; its first K rows are the masks M_1..M_K of the first image's
sources (x_1 and the others rotated: sample i mixes images i, i+1, …), at the weights
ℓ = (λ, (1 − λ)/(K − 1), …) of the column, then the mixed image; the other mixups mix
x_1 and x_2 at λ.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmpretrain.models.utils.batch_augments import CutMix

from mmautomix.core import mix, mix_sources
from mmautomix.models.data_preprocessor import normalization
from mmautomix.models.mixups import FMix, SaliencyMix
from mmautomix.models.mixups.puzzlemix_mask import input_saliency, puzzle_mix, unit_range
from mmautomix.registry import DATASETS, MODELS
from mmautomix.utils import register_all_modules
from mmautomix.utils.config import apply_cfg_options
from mmautomix.visualization import tile_grid, to_uint8

METHODS = ('Mixup', 'CutMix', 'FMix', 'SaliencyMix', 'PuzzleMix')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='an AutoMix checkpoint (default: random init)')
    parser.add_argument('--out', default='mixes.png')
    parser.add_argument('--lams', type=float, nargs='+', default=[0.2, 0.35, 0.5, 0.65, 0.8])
    parser.add_argument('--pairs', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--puzzle-blocks', type=int, default=4)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def pick_groups(dataset, groups, size, seed):
    """Indices of ``groups`` groups of ``size`` test images, each group of distinct
    classes (consecutive indices)."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(dataset))
    chosen, labels = [], []
    for i in order:
        label = int(dataset.get_gt_labels()[i])
        if label in labels[len(chosen) - len(chosen) % size:]:
            continue
        chosen.append(int(i))
        labels.append(label)
        if len(chosen) == size * groups:
            return chosen
    raise ValueError(f'--pairs {groups}: the test set has too few images of distinct classes')


def method_name(model):
    """AutoMix, SAMix (AutoMix with SAMix's Mix Block options) or AdAutoMix."""
    if hasattr(getattr(model, 'options', None), 'mix_samples'):
        return 'AdAutoMix'
    block = model.mix_block
    if getattr(block, 'lam_mul', 0) or getattr(block, 'x_qk_concat', False) \
            or not getattr(block, 'value_is_linear', True):
        return 'SAMix'
    return 'AutoMix'


def adautomix_rows(model, x, lam):
    """The AdAutoMix rows of a group of K images at ℓ = (λ, (1 − λ)/(K − 1), …)."""
    k = x.size(0)
    indices = [(torch.arange(k) + s) % k for s in range(k)]
    weights = [lam] + [(1 - lam) / (k - 1)] * (k - 1)
    mask = model.sources_mask(x, indices, weights)
    rows = {}
    for s in range(k):
        m = mask[:1, s:s + 1]
        rows[f'AdAutoMix M_{s + 1}'] = (m.expand_as(x[:1, :1]) * 255.0,
                                        f'mean {float(m.mean()):.2f}\nw {weights[s]:.2f}')
    rows['AdAutoMix'] = (mix_sources(x, mask, indices), f"lam' {float(mask[:1, 0].mean()):.2f}")
    return rows


def mixes_of_pair(model, x, labels, lam, args):
    """{row name: (mixed images, caption)} for the group x at λ; the pairwise mixups mix
    x[0] and x[1]."""
    name = method_name(model)
    if name == 'AdAutoMix':
        rows = adautomix_rows(model, x, lam)
        x, labels = x[:2], labels[:2]
    idx = torch.tensor([1, 0])
    scores = F.one_hot(torch.arange(2), 2).float()
    if name != 'AdAutoMix':
        rows = {}
        mask = model.mix_mask(x, lam, idx)
        m0 = mask[:1, :1]
        rows[f'{name} mask'] = (m0.expand_as(x[:1, :1]) * 255.0,
                                f'mean {float(m0.mean()):.2f}\nstd {float(m0.std()):.3f}')
        rows[name] = (mix(x, mask, idx), f"lam' {float(m0.mean()):.2f}")
    rows['Mixup'] = (lam * x + (1 - lam) * x[idx], f"lam' {lam:.2f}")
    (y1, y2, x1, x2), lam_c = CutMix(alpha=1.0).cutmix_bbox_and_lam(x.shape[-2:], lam)
    cut = x.clone()
    cut[:, :, y1:y2, x1:x2] = x[idx][:, :, y1:y2, x1:x2]
    rows['CutMix'] = (cut, f"lam' {lam_c:.2f}")
    for name, aug in (('FMix', FMix(alpha=1.0)), ('SaliencyMix', SaliencyMix(alpha=1.0))):
        mixed, s = aug.mix(x, scores, lam=lam, index=idx)
        rows[name] = (mixed, f"lam' {float(s[0, 0]):.2f}")
    saliency = input_saliency(model, lambda t: model.head(model.extract_feat(t)), x, labels)
    mean, std = unit_range(model.data_preprocessor, x)
    block = x.size(-1) // args.puzzle_blocks
    mixed, lam_p = puzzle_mix(x, saliency, idx, lam, args.puzzle_blocks, mean, std,
                              neigh_size=block, t_size=-1)
    rows['PuzzleMix'] = (mixed, f"lam' {float(lam_p[0]):.2f}")
    return rows


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in cfg.model:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    if cfg.model.get('type') not in ('AutoMix', 'mmautomix.AutoMix', 'AdAutoMix',
                                     'mmautomix.AdAutoMix'):
        raise ValueError(f'{args.config}: model.type={cfg.model.get("type")!r}; expected '
                         'an AutoMix, SAMix or AdAutoMix config (its Mix Block makes the '
                         'masks)')
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    else:
        model.init_weights()
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    size = getattr(getattr(model, 'options', None), 'mix_samples', 2)
    ids = pick_groups(dataset, args.pairs, size, args.seed)
    data = model.data_preprocessor(pseudo_collate([dataset[i] for i in ids]), False)
    inputs = data['inputs']
    labels = torch.cat([ds.gt_label for ds in data['data_samples']])
    pre = model.data_preprocessor
    mean, std = normalization(pre)

    cells, captions, names = [], [], []
    for p in range(args.pairs):
        x, y = inputs[size * p:size * (p + 1)], labels[size * p:size * (p + 1)]
        per_lam = [mixes_of_pair(model, x, y, lam, args) for lam in args.lams]
        row_names = list(per_lam[0])
        sources = to_uint8(x, mean, std)
        for r, name in enumerate(row_names):
            first = sources[r] if r < size else None
            row, caps = [first], [f'x_{r + 1} class {int(y[r])}' if r < size else '']
            for lam, mixes in zip(args.lams, per_lam):
                tensor, cap = mixes[name]
                img = to_uint8(tensor[:1]) if ' M' in name or name.endswith('mask') else \
                    to_uint8(tensor[:1], mean, std)
                row.append(img[0])
                caps.append(f'lam {lam:.2f}\n{cap}' if r == 0 else cap)
            cells.append(row)
            captions.append(caps)
            names.append(f'{p + 1}: {name}')
    grid = tile_grid(cells, captions, names)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    print(f'wrote {args.out}: {grid.shape[1]}x{grid.shape[0]} px, {args.pairs} pairs x '
          f'{len(args.lams)} lambdas, rows {row_names}')


if __name__ == '__main__':
    main()
