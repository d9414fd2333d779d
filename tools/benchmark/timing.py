"""Timing whole training steps side by side in one process, shared by
``tools/benchmark_step.py`` (modes on synthetic architectures) and
``tools/benchmark_configs.py`` (whole configs): interleaved rounds, periods of recipes
whose steps differ by design, and the backbone passes a step starts."""
import contextlib
import math
import statistics
import time

import torch


def random_batch(batch, channels, size, num_classes, device, channels_last=False):
    """A fixed batch (seed 1) of uint8 images and labels 0, 1, … mod ``num_classes``, as
    a data preprocessor receives it."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (batch, channels, size, size), generator=g,
                      dtype=torch.uint8).to(device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return dict(inputs=x, data_samples=[DataSample().set_gt_label(i % num_classes)
                                        for i in range(batch)])


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def interleaved(fns, args, context=contextlib.nullcontext):
    """Seconds of each call of ``fns`` (name -> callable), run in turn: ``args.warmup``
    untimed rounds, then ``args.steps`` timed ones; the device is synchronised around
    every call."""
    times = {k: [] for k in fns}
    for step in range(args.warmup + args.steps):
        for name, fn in fns.items():
            sync(args.device)
            t0 = time.perf_counter()
            with context():
                fn()
            sync(args.device)
            if step >= args.warmup:
                times[name].append(time.perf_counter() - t0)
    return times


def backbone_passes(model, wrapper, data, steps=None):
    """Forward calls started on the network's backbones (θ, or θ_q and θ_k) per
    ``train_step``, a truncated one included, each weighted by its share of the batch
    (θ_q's clean pass on a quarter of it, ``one_q_fraction=0.25``, counts 0.25), the
    mean over ``steps`` steps (default: whole periods of the model, at least 4 steps):
    the structure of a mode's cost, independent of the host's speed."""
    if steps is None:
        p = step_period(model)
        steps = p * math.ceil(4 / p)
    calls = [0.0]
    batch = len(data['inputs'])

    def count(module, args):
        calls[0] += len(args[0]) / batch if args else 1.0

    handles = [m.register_forward_pre_hook(count) for name, m in model.named_children()
               if name.startswith('backbone')]
    for _ in range(steps):
        model.train_step(data, wrapper)
    for h in handles:
        h.remove()
    return round(calls[0] / steps, 2)


def step_period(model) -> int:
    """p, the steps after which the model's work repeats: the least common multiple of
    its Mix Block interval and its adversarial interval (1 for a model with neither)."""
    options = getattr(model, 'options', None)
    updates = getattr(options, 'updates', None)
    return math.lcm(getattr(updates, 'interval', 1), getattr(options, 'adv_interval', 1))


def step_periods(models, steps):
    """{name: p} for ``models`` (name -> model), refused when a period is longer than
    the ``steps`` to be timed (--steps)."""
    periods = {name: step_period(model) for name, model in models.items()}
    name = max(periods, key=periods.get)
    if periods[name] > steps:
        raise ValueError(f'--steps {steps}: {name} repeats every {periods[name]} steps; '
                         f'expected --steps >= {periods[name]} (a multiple of it is best)')
    return periods


def period_statistics(times, ref_times, period):
    """(median over whole periods of the mean step, median per-period ratio to the
    reference's mean over the same rounds, [min, max] of those ratios)."""
    n = len(times) // period * period
    if n == 0:
        raise ValueError(f'--steps {len(times)} is shorter than a period of {period} steps '
                         f'(a Mix Block or adversarial interval); expected --steps >= {period}')
    means = [(sum(times[i:i + period]) / period, sum(ref_times[i:i + period]) / period)
             for i in range(0, n, period)]
    ratios = [t / r for t, r in means]
    return (statistics.median(t for t, _ in means), statistics.median(ratios),
            [min(ratios), max(ratios)])
