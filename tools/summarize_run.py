"""Print the final validation metrics of a training run and where its pictures are.

    python tools/summarize_run.py WORK_DIR [--seconds S]
"""
import argparse
import glob
import json
import os.path as osp

from benchmark import masks


def newest_scalars(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'no scalars.json under {work_dir}/*/vis_data/')
    return logs[-1]


def mask_summary(work_dir):
    """The run's end-of-training mask statistics (``benchmark.masks``), or None when it
    logged none (not a learned mixup)."""
    stats = []
    with open(newest_scalars(work_dir)) as f:
        for line in f:
            rec = json.loads(line)
            values = masks.record(rec)
            if values is not None:
                stats.append([rec.get('step', len(stats))] + values)
    return masks.end_of_training(stats)


def last_val_metrics(work_dir):
    """The last validation record of the newest run under ``work_dir``."""
    path = newest_scalars(work_dir)
    last = None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if any(k.startswith('accuracy') for k in rec):
                last = rec
    if last is None:
        raise ValueError(f'{path} holds no validation record')
    return last, osp.dirname(path)


def uses_precise_bn(work_dir):
    """Whether the run re-estimated θ_q's BN statistics before evaluating it."""
    return any('AutoMixPreciseBNHook' in open(p).read()
               for p in glob.glob(osp.join(work_dir, '*.py')))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('--seconds', type=float)
    args = parser.parse_args()
    rec, vis_dir = last_val_metrics(args.work_dir)
    print('=' * 60)
    names = {'accuracy_ema': 'EMA model θ_k, the model reported',
             'accuracy_online': 'online model θ_q, ' + (
                 'BN statistics re-estimated on clean training images'
                 if uses_precise_bn(args.work_dir) else
                 'its running BN statistics: low when they lag the weights, '
                 'see docs/benchmarks/bn_statistics.md'),
             'accuracy': 'model'}
    for key in sorted(rec):
        if key.startswith('accuracy'):
            print(f'{key:28s} {rec[key]:6.2f} %   ({names.get(key.split("/")[0], "")})')
    end = mask_summary(args.work_dir)
    if end is not None:
        spatial, lam_error = end[0], end[1]
        print(f'Mix Block masks, last {masks.LAST} logged steps: spatial std {spatial:.3f}, '
              f'|mean(M_j) - (1 - lam)| {lam_error:.3f}')
        print(masks.describe(spatial, lam_error))
    pics = sorted(glob.glob(osp.join(vis_dir, 'vis_image', '*.png')),
                  key=osp.getmtime)   # names carry λ, so sort by time, not name
    if pics:
        print(f'{len(pics)} mixed-sample pictures, latest: {pics[-1]}')
    if args.seconds:
        print(f'wall time: {args.seconds / 60:.1f} min')
    print('=' * 60)


if __name__ == '__main__':
    main()
