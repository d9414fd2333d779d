"""The masks of several learned-mixup recipes side by side: the same image pairs, the same λ.

    python tools/compare_masks.py \\
        --recipe 'AutoMix' CONFIG CHECKPOINT --recipe 'AutoMix, L1+Variance' CONFIG2 CKPT2 \\
        [--pairs 8] [--lams 0.2 0.3 0.4 0.5 0.6 0.7 0.8] [--seed 0] --out masks.png

Each recipe is an AutoMix, SAMix or AdAutoMix config with a checkpoint of its training
(``none``: the random initialisation). The first config's test set supplies ``--pairs``
pairs (x_i, x_j) of test images of different classes, the same for every recipe. For
each recipe, pair and λ the picture shows M_j, the weight the Mix Block gives x_j when
it mixes x_i with x_j at ratio λ (``model.mix_mask`` on θ_k in eval mode; AdAutoMix:
its generator with the two sources at weights (λ, 1 − λ)), in grey from 0 (black) to 1
(white). Under a recipe's panel: the mean over its cells of the within-mask spatial
std and of |mean(M_j) − (1 − λ)|, the statistics of the benchmark's mask columns. A
flat grey row is a global mixup whatever λ is; a mask whose brightness follows λ along
the row tracks the label weight; structure inside a tile is a spatial mask.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch

from mmautomix.utils import register_all_modules
from visualize_mixes import pick_groups    # tools/, beside this script


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--recipe', nargs=3, action='append', required=True,
                        metavar=('LABEL', 'CONFIG', 'CHECKPOINT'),
                        help="a label, a config and its checkpoint ('none': random init)")
    parser.add_argument('--pairs', type=int, default=8)
    parser.add_argument('--lams', type=float, nargs='+',
                        default=[0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='masks.png')
    return parser.parse_args(argv)


def build(config, checkpoint, seed=0):
    """The recipe's model with its checkpoint (strictly loaded) in eval mode."""
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from mmautomix.registry import MODELS
    cfg = Config.fromfile(config)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in cfg.model:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    if not str(cfg.model.get('type', '')).endswith(('AutoMix', 'AdAutoMix')):
        raise ValueError(f'--recipe {config}: model.type={cfg.model.get("type")!r}; expected '
                         'an AutoMix, SAMix or AdAutoMix config (a Mix Block makes its masks)')
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    if checkpoint.lower() == 'none':
        model.init_weights()
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'--recipe {config}: checkpoint {checkpoint!r} does not '
                                    "exist (give 'none' for the random initialisation)")
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                        logger='silent')
    return model.eval(), cfg


def pick_pairs(dataset, pairs, seed):
    """Indices (i, j) of ``pairs`` pairs of test images of different classes: the pairs
    ``tools/visualize_mixes.py`` draws with the same seed."""
    ids = pick_groups(dataset, pairs, 2, seed)
    return list(zip(ids[0::2], ids[1::2]))


def pair_batch(model, samples):
    """The preprocessed images [x_i of every pair; x_j of every pair] of ``samples``
    (the pairs' packed test samples in that order) and the pairing index (x_i of pair p
    is mixed with x_j of pair p)."""
    from mmengine.dataset import pseudo_collate
    x = model.data_preprocessor(pseudo_collate(samples), False)['inputs']
    n = len(samples) // 2
    index = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return x, index


@torch.no_grad()
def recipe_masks(model, x, index, lams):
    """M_j per pair and λ: an array P×L×H×W (P = half the batch)."""
    n = x.size(0) // 2
    out = [model.mix_mask(x, lam, index)[:n, 1].float().cpu().numpy() for lam in lams]
    return np.stack(out, axis=1)


def mask_summary(masks, lams):
    """(mean within-mask spatial std, mean |mean(M_j) − (1 − λ)|) over a recipe's cells."""
    p, l = masks.shape[:2]
    flat = masks.reshape(p, l, -1).astype(np.float64)
    std = flat.std(axis=2, ddof=1).mean()
    err = np.abs(flat.mean(axis=2) - (1 - np.asarray(lams))[None, :]).mean()
    return float(std), float(err)


def mosaic(tiles, gap=2, fill=1.0):
    """A P×L grid of H×W tiles as one image with ``gap`` pixels between tiles."""
    p, l, h, w = tiles.shape
    img = np.full((p * (h + gap) - gap, l * (w + gap) - gap), fill, np.float32)
    for r in range(p):
        for c in range(l):
            img[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tiles[r, c]
    return img


def draw(images, recipes, lams, out):
    """The picture: the pairs (x_i | x_j) on the left, then one panel per recipe."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    n = len(recipes)
    fig, axes = plt.subplots(1, n + 1, figsize=(1.6 + 2.3 * n, 4.1),
                             gridspec_kw=dict(width_ratios=[2] + [len(lams)] * n))
    axes[0].imshow(mosaic(images), cmap='gray')
    axes[0].set_title('x_i | x_j', fontsize=8)
    for ax, (label, masks) in zip(axes[1:], recipes):
        std, err = mask_summary(masks, lams)
        ax.imshow(mosaic(masks), cmap='gray', vmin=0.0, vmax=1.0)
        ax.set_title(label, fontsize=8)
        ax.set_xlabel(f'spatial std {std:.3f}\n|mean - (1 - lam)| {err:.3f}', fontsize=7)
        w = masks.shape[-1] + 2
        ax.set_xticks([c * w + w / 2 - 1 for c in range(len(lams))])
        ax.set_xticklabels([f'{v:g}' for v in lams], fontsize=6)
    for ax in axes:
        ax.set_yticks([])
    axes[0].set_xticks([])
    fig.suptitle('M_j, the weight of x_j, for lam = ' + ', '.join(f'{v:g}' for v in lams),
                 fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=130)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    from mmautomix.registry import DATASETS
    recipes, samples = [], None
    for label, config, checkpoint in args.recipe:
        model, cfg = build(config, checkpoint, args.seed)
        if samples is None:    # the first config's test set: the same pairs for every recipe
            dataset = DATASETS.build(cfg.test_dataloader.dataset)
            pairs = pick_pairs(dataset, args.pairs, args.seed)
            samples = [dataset[i] for i, _ in pairs] + [dataset[j] for _, j in pairs]
            raw = torch.stack([s['inputs'].float() for s in samples])   # 0-255, left panel
            images = (raw[:, 0] / 255.0).view(2, len(pairs), *raw.shape[-2:])
            images = images.transpose(0, 1).numpy()
        x, index = pair_batch(model, samples)
        masks = recipe_masks(model, x, index, args.lams)
        recipes.append((label, masks))
        std, err = mask_summary(masks, args.lams)
        print(f'[masks] {label}: spatial std {std:.4f}, |mean(M_j) - (1 - lam)| {err:.4f}')
    draw(images, recipes, args.lams, args.out)
    print(f'[masks] wrote {args.out}: {len(recipes)} recipes, {args.pairs} pairs x '
          f'{len(args.lams)} lambdas')
    return dict(pairs=pairs, lams=args.lams, recipes=recipes)


if __name__ == '__main__':
    main()
    sys.exit(0)
