"""The ViT mixups on the same test images: what each mixes and the label it gives.

    python tools/visualize_vit_mixes.py CHECKPOINT [--pairs 6] [--seed 0] [--out vit_mixes.png]
        [--checkpoint-of TransMix=CKPT MixPro=CKPT SMMix=CKPT]

CHECKPOINT is a small-ViT checkpoint of the Fashion-MNIST regime (any of its ViT runs:
they share the backbone and head); ``--checkpoint-of`` gives a method its own run's
checkpoint instead (the attention it trained with). Columns: ``--pairs`` pairs of test
images of different classes (A above B); rows: Mixup and CutMix at the regime configs'
α (λ and the box drawn as mmpretrain draws them, A mixed with B; A's label weight λ),
TransMix (a CutMix batch: the box B fills, its area and λ_B, the mean of that area and
the class token's attention share on it), MixPro (a MaskMix batch; MixPro pairs each
image with a random other one of the batch, not always B: A's label weight by area, by
attention and PAL's blend of the two), TokenMix (a TokenMix batch: B's token blocks, and
A's kept share), SMMix (an SMMix batch: B's most attended window in A's least attended
one, A's share of tokens). The
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
    parser.add_argument('--checkpoint-of', nargs='+', default=[], metavar='METHOD=CKPT',
                        help=f'a checkpoint for one method\'s row ({", ".join(CONFIGS)})')
    args = parser.parse_args(argv)
    own = dict(item.split('=', 1) for item in args.checkpoint_of)
    unknown = sorted(set(own) - set(CONFIGS))
    if unknown:
        parser.error(f'--checkpoint-of: {unknown} are not among {sorted(CONFIGS)}')
    args.checkpoint_of = own
    return args


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
    ckpt = lambda method: args.checkpoint_of.get(method, args.checkpoint)   # noqa: E731
    transmix, cfg = build('TransMix', ckpt('TransMix'), switch_prob=1.0)
    mixpro, _ = build('MixPro', ckpt('MixPro'), maskmix_prob=1.0)
    smmix, _ = build('SMMix', ckpt('SMMix'), switch_prob=1.0)
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
    # Mixup and CutMix at the regime configs' α, drawn as mmpretrain's batch augments
    # draw λ (and CutMix's box), but with A paired to B rather than a random permutation
    for name in ('mixup', 'cutmix'):
        aug = BATCH_AUGMENTS.build(augments_of(
            f'configs/mixups/fashion_mnist/vit-p4-w64_1xb100-{name}-100e_fmnist2k.py'))
        np.random.seed(args.seed)
        lam = np.random.beta(aug.alpha, aug.alpha)
        if name == 'cutmix':
            (y1, y2, x1, x2), lam = aug.cutmix_bbox_and_lam(x.shape[-2:], lam)
            mixed = x.clone()
            mixed[:, :, y1:y2, x1:x2] = x.flip(0)[:, :, y1:y2, x1:x2]
        else:
            mixed = lam * x + (1 - lam) * x.flip(0)
        rows.append(to_uint8(mixed[:n], mean, std))
        captions.append([f'lam_A {lam:.2f}'] * n)
        names.append(type(aug).__name__)
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
    token = BATCH_AUGMENTS.build(dict(augments_of(
        'configs/tokenmix/fashion_mnist/tokenmix_vit-p4-w64_1xb100-100e_fmnist2k.py'),
        switch_prob=1.0))
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


def augments_of(config):
    """The batch augment of a small-ViT regime config."""
    from mmengine.config import Config
    return dict(Config.fromfile(osp.join(REPO, config)).model.train_cfg.augments)


if __name__ == '__main__':
    sys.exit(main())
