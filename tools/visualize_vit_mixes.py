"""The ViT mixups on the same test images: what each mixes and the label it gives.

    python tools/visualize_vit_mixes.py CHECKPOINT [--pairs 6] [--seed 0] [--out vit_mixes.png]

CHECKPOINT is a small-ViT checkpoint of the Fashion-MNIST regime (any of its ViT runs:
they share the backbone and head). Columns: ``--pairs`` pairs of test images of
different classes (A above B); rows: TransMix (a CutMix batch: the box B fills, its
area and λ_B, the mean of that area and the class token's attention share on it),
MixPro (a MaskMix batch; MixPro pairs each image with a random other one of the batch,
not always B: A's label weight by area, by attention and PAL's blend of the two),
TokenMix (a TokenMix batch: B's token blocks, and A's kept share), SMMix (an SMMix
batch: B's most attended window in A's least attended one, A's share of tokens). The
attention is the checkpoint's: on the mixed images for TransMix and MixPro, on the
clean ones for SMMix.
"""
import argparse
import os
import random
import os.path as osp
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from visualize_mixes import pick_groups  # noqa: E402  (tools/, beside this script)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    TransMix='configs/transmix/fashion_mnist/transmix_vit-p4-w64_1xb100-100e_fmnist2k.py',
    MixPro='configs/mixpro/fashion_mnist/mixpro_vit-p4-w64_1xb100-100e_fmnist2k.py',
    SMMix='configs/smmix/fashion_mnist/smmix_vit-p4-w64_1xb100-100e_fmnist2k.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkpoint')
    parser.add_argument('--pairs', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='vit_mixes.png')
    return parser.parse_args(argv)


def build(method, checkpoint, **options):
    """The method's classifier from its regime config with the checkpoint's weights
    (all of them; SMMix's own token head, which the pictures do not use, may be
    missing)."""
    from mmengine.config import Config

    from mmautomix.registry import MODELS
    from mmautomix.utils.checkpoint import load_prefixed_state
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[method]))
    cfg.model.data_preprocessor = cfg.data_preprocessor
    cfg.model.update(options)
    model = MODELS.build(cfg.model)
    result = model.load_state_dict(load_prefixed_state(checkpoint, ''), strict=False)
    missing = [k for k in result.missing_keys if not k.startswith('token_head.')]
    if missing or result.unexpected_keys:
        raise KeyError(f'{checkpoint} is not a small-ViT regime checkpoint: missing '
                       f'{missing}, unexpected {result.unexpected_keys}')
    return model.train(), cfg


def mixed_of(model, x, samples):
    """The images ``model.loss`` mixes (seen by the backbone) and its soft targets."""
    seen = {}
    handle = model.backbone.register_forward_pre_hook(lambda m, a: seen.update(x=a[0]))
    with torch.no_grad():
        model.loss(x, samples)
    handle.remove()
    return seen['x'], torch.stack([ds.gt_score for ds in samples])


def main(argv=None):
    args = parse_args(argv)
    from mmengine.dataset import pseudo_collate
    from mmpretrain.structures import DataSample

    from mmautomix.registry import BATCH_AUGMENTS, DATASETS
    from mmautomix.utils import register_all_modules
    from mmautomix.visualization import tile_grid, to_uint8
    register_all_modules()
    transmix, cfg = build('TransMix', args.checkpoint, switch_prob=1.0)
    mixpro, _ = build('MixPro', args.checkpoint, maskmix_prob=1.0)
    smmix, _ = build('SMMix', args.checkpoint, switch_prob=1.0)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    ids = pick_groups(test, args.pairs, 2, args.seed)
    a_ids, b_ids = ids[0::2], ids[1::2]
    n = args.pairs
    # the batch [A_1 … A_n, B_n … B_1]: reversing it pairs A_i with B_i
    order = a_ids + b_ids[::-1]
    batch = transmix.data_preprocessor(pseudo_collate([test[i] for i in order]), False)
    x = batch['inputs']
    labels = [int(test.get_gt_labels()[i]) for i in order]
    fresh = lambda: [DataSample().set_gt_label(y) for y in labels]   # noqa: E731
    mean, std = transmix.data_preprocessor.mean, transmix.data_preprocessor.std
    rows, captions, names = [], [], []
    rows += [to_uint8(x[:n], mean, std), to_uint8(x.flip(0)[:n], mean, std)]
    captions += [[f'class {y}' for y in labels[:n]], [f'class {y}' for y in labels[::-1][:n]]]
    names += ['A', 'B']
    # TransMix: a CutMix batch, B's label weight by area and by attention
    np.random.seed(args.seed)
    mixed, scores = mixed_of(transmix, x, fresh())
    area = float((mixed[0] != x[0]).any(0).float().mean())
    rows.append(to_uint8(mixed[:n], mean, std))
    captions.append([f'area {area:.2f}\nlam_B {float(scores[i, labels[::-1][i]]):.2f}'
                     for i in range(n)])
    names.append('TransMix')
    # MixPro: a MaskMix batch (its own pairing), A's weight by area, attention, PAL
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    mixed, scores = mixed_of(mixpro, x, fresh())
    mix = mixpro.last_mix
    with torch.no_grad():
        prob = F.softmax(mixpro.head(mixpro.extract_feat(mixed)), dim=-1)
    sim = F.cosine_similarity(scores, prob, dim=1)
    lam = sim * mix['lam_attn'] + (1 - sim) * mix['lam']
    rows.append(to_uint8(mixed[:n], mean, std))
    captions.append([f'area {float(mix["lam"][i]):.2f} attn {float(mix["lam_attn"][i]):.2f}'
                     f'\nPAL lam_A {float(lam[i]):.2f}' for i in range(n)])
    names.append('MixPro')
    # TokenMix: B's token blocks, A's kept share
    token = BATCH_AUGMENTS.build(dict(cfg_of_tokenmix(), switch_prob=1.0))
    np.random.seed(args.seed)
    random.seed(args.seed)
    mixed, _ = token(x, F.one_hot(torch.tensor(labels), 10).float())
    kept = 1 - float(token.last_mask.float().mean())
    rows.append(to_uint8(mixed[:n], mean, std))
    captions.append([f'kept {kept:.2f}'] * n)
    names.append('TokenMix')
    # SMMix: B's most attended window in A's least attended one, A's share of tokens
    np.random.seed(args.seed)
    mixed, _ = mixed_of(smmix, x, fresh())
    rows.append(to_uint8(mixed[:n], mean, std))
    captions.append([f'side {smmix.last_mix["side"]}\nlam_A {smmix.last_mix["lam"]:.2f}']
                    * n)
    names.append('SMMix')
    picture = tile_grid([list(r) for r in rows], captions, names, min_tile=96)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, picture[:, :, ::-1])
    print(f'wrote {args.out}: {len(rows)} rows x {n} pairs')
    return 0


def cfg_of_tokenmix():
    """The TokenMix batch augment of the small-ViT regime config."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/tokenmix/fashion_mnist/tokenmix_vit-p4-w64_1xb100-100e_fmnist2k.py'))
    return dict(cfg.model.train_cfg.augments)


if __name__ == '__main__':
    sys.exit(main())
