"""Is a model's top-1 limited by its BN running statistics? One AutoMix checkpoint, both
models, three ways of normalising, on the same test images.

    python tools/analysis/bn_statistics_check.py CONFIG CHECKPOINT [--batches 50]

For θ_k (EMA) and θ_q (online): top-1 (a) with the checkpoint's BN running statistics
(how every evaluation runs), (b) with each test batch's own statistics (train-mode BN,
statistics not kept), (c) with running statistics re-estimated from ``--batches`` clean
training batches (cumulative average, as mmpretrain's PreciseBNHook does). If (a) is far
below (b) and (c), the weights are fine and the statistics are not.
"""
import argparse
import copy

import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

from mmautomix.utils import register_all_modules


def top1(backbone, head, neck, loader, pre, train_bn=False):
    backbone.train(train_bn)
    hits = total = 0
    with torch.no_grad():
        for batch in loader:
            data = pre(batch, False)
            feats = neck(backbone(data['inputs']))
            pred = head(feats).argmax(1)
            y = torch.cat([ds.gt_label for ds in data['data_samples']])
            hits += int((pred == y).sum())
            total += len(y)
    backbone.eval()
    return 100.0 * hits / total


def precise_bn(backbone, loader, pre, batches):
    bns = [m for m in backbone.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None            # cumulative moving average
    backbone.train()
    with torch.no_grad():
        for i, batch in enumerate(loader):
            if i == batches:
                break
            backbone(pre(batch, False)['inputs'])
    backbone.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--batches', type=int, default=50)
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    for key in ('train_dataloader', 'test_dataloader'):
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    from mmautomix.registry import MODELS
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    test = Runner.build_dataloader(cfg.test_dataloader)
    train = Runner.build_dataloader(cfg.train_dataloader)
    pre = model.data_preprocessor
    for name, bb, head in (('EMA θ_k', model.backbone, model.head),
                           ('online θ_q', model.backbone_q, model.head_q)):
        running = top1(bb, head, model.neck, test, pre)
        batch = top1(copy.deepcopy(bb), head, model.neck, test, pre, train_bn=True)
        fresh = copy.deepcopy(bb)
        precise_bn(fresh, train, pre, args.batches)
        precise = top1(fresh, head, model.neck, test, pre)
        print(f'{name:11s} top-1: running statistics {running:5.2f} %, batch statistics '
              f'{batch:5.2f} %, statistics from {args.batches} clean training batches '
              f'{precise:5.2f} %', flush=True)


if __name__ == '__main__':
    main()
