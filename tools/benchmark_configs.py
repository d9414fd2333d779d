"""Training-step cost of whole configs, side by side in one process: the cost column of a
benchmark table.

    python tools/benchmark_configs.py REFERENCE_CONFIG CONFIG [CONFIG ...] \\
        [--steps 20] [--warmup 2] [--batch N] [--device cpu] [--out cost.json]

Each config's model, data preprocessor and optimizer wrapper are built as its training
builds them, and one ``train_step`` on a fixed batch of random images of the config's
training size (and batch size, unless ``--batch``) is timed; for models with an EMA
encoder θ_k its update ``momentum_update()`` (what ``AutoMixMomentumHook`` calls after
each iteration) is part of the step. The configs run interleaved round by round (step i
of every config, then step i+1) after untimed warm-up rounds, so a slow spell of a shared
host is spread over all of them.

A recipe whose steps differ by design repeats after a period of p steps: the Mix Block
interval k of AutoMix/SAMix (one full step, then k − 1 without the Mix Block's pass) and
AdAutoMix's adversarial interval. Its cost is the mean over a period, so the timed steps
are cut into consecutive periods (p = 1: single steps; a remainder is dropped) and the
statistics are over periods: printed per config, the median over periods of the mean
step time ("step s"), its ratio to the first config's ("x ref"), the median and range of
the per-period ratios to the reference's steps of the same rounds ("paired"), the period,
and the backbone forward passes a step starts (the mean over whole periods, at least 4
steps). A random skip (the official ``switch_off``) has no period: its median step is the
common, full one. ``--steps`` must cover the longest period. ``--out`` writes the same as
JSON, keyed by config name (the file name without ``.py``, the method name of
``tools/benchmark_table.py collect``), which ``collect --step-cost`` reads for the
table's cost column and picture.
"""
import argparse
import functools
import json
import os.path as osp
import sys

import torch
from benchmark.timing import (backbone_passes, interleaved, period_statistics,
                              random_batch, step_periods)


def build(path, device):
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    from mmautomix.registry import MODELS
    cfg = Config.fromfile(path)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in cfg.model:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device)
    if hasattr(model, 'copy_online_to_ema'):
        model.copy_online_to_ema()
    model.train()
    return cfg, model, build_optim_wrapper(model, cfg.optim_wrapper)


def make_batch(cfg, model, batch, device):
    from mmautomix.utils.config import train_input_shape
    channels, size = train_input_shape(cfg)
    return random_batch(batch or cfg.train_dataloader.batch_size, channels, size,
                        model.head.num_classes, device)


def step(model, wrapper, data):
    """One training iteration as the Runner runs it: ``train_step`` and, for a model
    with an EMA encoder, the momentum hook's θ_k update."""
    model.train_step(data, wrapper)
    if hasattr(model, 'momentum_update') and not getattr(model, 'step_skipped', False):
        model.momentum_update()


def measure(paths, args):
    runs = {}
    for path in paths:
        name = osp.splitext(osp.basename(path))[0]
        if name in runs:
            raise ValueError(f'{path}: a second config named {name!r}; the table keys '
                             'its rows by config name')
        try:
            cfg, model, wrapper = build(path, args.device)
        except ImportError as err:   # e.g. PuzzleMix without gco on this machine
            if not runs:
                raise
            print(f'[benchmark] skipping {name}: {err}', flush=True)
            continue
        runs[name] = (path, model, wrapper, make_batch(cfg, model, args.batch, args.device))
    periods = step_periods({name: r[1] for name, r in runs.items()}, args.steps)
    times = interleaved({n: functools.partial(step, *r[1:]) for n, r in runs.items()}, args)
    ref = next(iter(runs))
    stats = {name: period_statistics(times[name], times[ref], p)
             for name, p in periods.items()}
    result = {}
    for name, (path, model, wrapper, data) in runs.items():
        step_s, paired, spread = stats[name]
        result[name] = dict(
            config=path, step_s=step_s, x_ref=step_s / stats[ref][0], paired=paired,
            range=spread, period=periods[name], batch=len(data['data_samples']),
            passes=backbone_passes(model, wrapper, data))
    return ref, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+', help='the first one is the reference')
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch', type=int, help="override the configs' batch size")
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the results as JSON')
    args = parser.parse_args(argv)
    if len(args.configs) < 2:
        parser.error('give the reference config and at least one config to compare')
    from mmengine.logging import MMLogger

    from mmautomix.utils import register_all_modules
    register_all_modules()
    MMLogger.get_current_instance().setLevel('WARNING')
    ref, result = measure(args.configs, args)
    print(f'\nmedian over periods of {args.steps} interleaved steps after {args.warmup} '
          f'warm-up, device {args.device}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads; reference: {ref}')
    width = max(map(len, result))
    print(f'{"config":{width}s} {"step s":>8s} {"x ref":>6s} {"paired":>7s} '
          f'{"range":>11s} {"period":>6s} {"passes":>6s}')
    for name, r in result.items():
        print(f'{name:{width}s} {r["step_s"]:8.3f} {r["x_ref"]:6.2f} {r["paired"]:7.2f} '
              f'{r["range"][0]:5.2f}-{r["range"][1]:<5.2f} {r["period"]:6d} {r["passes"]:6g}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(reference=ref, steps=args.steps, warmup=args.warmup,
                           device=args.device, torch=torch.__version__,
                           threads=torch.get_num_threads(),
                           command='python tools/benchmark_configs.py '
                           + ' '.join(sys.argv[1:] if argv is None else argv),
                           configs=result), f, indent=1)
        print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
