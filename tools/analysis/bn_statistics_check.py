"""Is a model's top-1 limited by its BN running statistics? One AutoMix checkpoint, both
models, three ways of normalising, on the same test images.

    python tools/analysis/bn_statistics_check.py CONFIG CHECKPOINT [--batches 50] [--json F]

For θ_k (EMA) and θ_q (online): top-1 (a) with the checkpoint's BN running statistics
(how every evaluation runs), (b) with each test batch's own statistics (train-mode BN,
statistics not kept), (c) with running statistics re-estimated from ``--batches`` clean
training batches (``AutoMixPreciseBNHook``'s re-estimation, on both encoders). If (a) is far
below (b) and (c), the weights are fine and the statistics are not.
"""
import argparse
import copy
import json

import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

from mmautomix.engine.hooks.precise_bn_hook import reestimate_bn_statistics
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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--batches', type=int, default=50)
    parser.add_argument('--json', help='also write the six numbers to this file')
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
    reestimated = copy.deepcopy(model)     # what AutoMixPreciseBNHook does, both encoders
    reestimate_bn_statistics(reestimated, train, args.batches * train.batch_size,
                             encoders=('backbone_q', 'backbone'), logger='silent')
    out = dict(config=args.config, checkpoint=args.checkpoint, batches=args.batches)
    for key, name, bb, head in (('ema', 'EMA θ_k', 'backbone', 'head'),
                                ('online', 'online θ_q', 'backbone_q', 'head_q')):
        backbone, cls_head = getattr(model, bb), getattr(model, head)
        running = top1(backbone, cls_head, model.neck, test, pre)
        batch = top1(copy.deepcopy(backbone), cls_head, model.neck, test, pre, train_bn=True)
        precise = top1(getattr(reestimated, bb), cls_head, model.neck, test, pre)
        out[key] = dict(running=running, batch=batch, reestimated=precise)
        print(f'{name:11s} top-1: running statistics {running:5.2f} %, batch statistics '
              f'{batch:5.2f} %, statistics from {args.batches} clean training batches '
              f'{precise:5.2f} %', flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
