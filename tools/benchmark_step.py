"""Training-step cost of AutoMix against Mixup and vanilla on the same backbone.

    python tools/benchmark_step.py [--arch r18|r50|convnext_t|deit_s|all] [--steps 8] [--device cpu|cuda]
                                   [--amp-dtype bf16] [--channels-last] [--breakdown]
                                   [--modes automix ...]

Modes, each a real ``train_step`` (data preprocessor, forward, backward, SGD step;
``--modes`` picks some, Mixup is always run as the reference):
  vanilla        mmpretrain ImageClassifier, one-hot CE
  mixup          the same with mmpretrain's Mixup batch augment (α=1), soft CE
  automix        mmautomix AutoMix as shipped (staged backward, full clean θ_k pass)
  automix_trunc  the same with the truncated clean pass (speed option: stops θ_k's
                 clean pass at the Mix Block's stage, changes θ_k's BN statistics)
  automix_plain  AutoMix with both levers off (summed loss, full clean θ_k pass): the
                 cost structure of the official step, for reference
  automix_switch08  AutoMix with the official switch_off=0.8 (the Mix Block's θ_k pass
                 skipped on a fifth of the steps)
  automix_every2 AutoMix with mix_block_interval=2 (the Mix Block trained every 2nd step)
  automix_oneq0  AutoMix with head_weights one_q=0 (no θ_q pass on the clean images)
  automix_oneq0_trunc  the same with the truncated clean θ_k pass (the two compose)
  automix_fast   the -fast recipes' knobs: one_q_fraction=0.5 (θ_q's clean pass on half
                 the batch) + mix_block_interval=8
  samix          SAMix: AutoMix with SAMix's Mix Block (λ scaling, value neck of width
                 C/2, W_k on [z_i'; z_j'], bilinear, L1+Variance), the CIFAR values
  adautomix      AdAutoMix, the official CIFAR step: three sources, the adversarial and
                 the normal step alternating, the cosine term on every step
  adautomix_2src AdAutoMix with two sources (the official ImageNet setting)
  fmix, saliencymix, smoothmix, gridmix   mmautomix batch augments (reference α)
  manifoldmix    mmautomix ManifoldMix classifier (α=2, layers 0-2)
  puzzlemix      mmautomix PuzzleMix classifier (α=1; r18: the CIFAR config, 2-16
                 blocks, 4-px transport; r50: the ImageNet config, 2-8 blocks)
  puzzlemix_pool the same with the graph cuts in 2 worker processes (n_workers=2)
The default is the AutoMix set (vanilla, mixup and the three automix modes); name the others
with --modes, --modes family for the whole mixup family, --modes knobs for AutoMix's
speed knobs, --modes successors for AutoMix's successors (with automix beside them).
The passes column is the mean over whole periods (at least 4 steps) of the backbone
forwards a step starts (knobs that skip passes on some steps give fractions).

Time: the modes run interleaved in one process (step i of every mode, then step i+1),
after warm-up steps; the median step time, its ratio to Mixup ("x mixup"), and the
median ("paired") and range of the per-round ratios (each step against the same round's
Mixup step) are printed. A mode whose steps differ by design (a Mix Block interval k)
is timed over whole periods of k steps, each period's mean step against Mixup's mean
over the same rounds; --steps must cover the longest period. On a shared host whose
speed drifts, the paired median is the steadier estimate; use --steps 40 or more for
differences of a few percent.
On CUDA, cuDNN's autotuner is on for every mode (fixed shapes, as in training).
Memory: on CUDA, ``max_memory_allocated`` per mode in this process; on the CPU, each mode
runs in its own subprocess and reports its peak RSS, both whole and above the RSS it
had after building the model (the part the training step itself adds).

Breakdown (--breakdown): the network passes an AutoMix step needs (θ_k's clean pass,
whole (C) or to the Mix Block's stage (Ct, the speed option); θ_k forward + input-only
backward (K); θ_q forward + backward, twice (Q)), each timed alone on the shipped
model's modules, and the floors (C + K + 2Q) / Q and (Ct + K + 2Q) / Q they set for
AutoMix/Mixup on this device when the math is kept identical.

Architectures (the issue's benchmark): r18 = ResNet-18 CIFAR stem, batch 100, 32 px;
r50 = ResNet-50, 224 px, batch 8 on the CPU (64 on a GPU; --batch to change);
convnext_t = ConvNeXt-T with the CIFAR stem, 32 px, batch 16 on the CPU (100 on a GPU);
deit_s = DeiT-S, 224 px, the Mix Block on layer 5's tokens, batch 4 (64 on a GPU).
"""
import argparse
import contextlib
import functools
import statistics

import torch

from benchmark.memory import memory_child, memory_modes
from benchmark.modes import (ARCHS, FAMILY, KNOBS, MODES, SUCCESSORS,  # noqa: F401
                             build, make_batch)
from benchmark.timing import (backbone_passes, interleaved,  # noqa: F401
                              period_statistics, step_periods)


def time_modes(args, arch, batch):
    """Interleaved timing of every mode.

    Returns {mode: median seconds over whole periods}, {mode: (min, median, max) of the
    per-period ratio}, the ratio of each period's mean step to Mixup's mean over the
    same rounds, so a slow spell of the host shows up as spread instead of biasing one
    mode, and {mode: backbone passes}."""
    runs = {}
    for m in list(args.modes):
        try:
            runs[m] = build(m, arch, args.device, args.channels_last, args.amp_dtype)
        except ImportError as err:   # e.g. no gco or cv2.saliency on this machine
            print(f'[benchmark] skipping {m}: {err}', flush=True)
            args.modes.remove(m)
    periods = step_periods({m: model for m, (model, _) in runs.items()}, args.steps)
    data = make_batch(arch, batch, args.device, args.channels_last)
    times = interleaved({m: functools.partial(model.train_step, data, wrapper)
                         for m, (model, wrapper) in runs.items()}, args)
    passes = {m: backbone_passes(model, wrapper, data) for m, (model, wrapper) in runs.items()}
    stats = {m: period_statistics(v, times['mixup'], periods[m]) for m, v in times.items()}
    spread = {m: (lo, paired, hi) for m, (_, paired, (lo, hi)) in stats.items()}
    return {m: st[0] for m, st in stats.items()}, spread, passes


def phase_fns(model, x):
    """The network passes an AutoMix step cannot avoid with identical math, as callables
    on the real modules of ``model`` (an ``AutoMix``) and a preprocessed batch ``x``:

      C  clean θ_k forward as the model is set (whole network by default; no graph)
      Ct the same stopped at stage ``mask_layer`` (``truncate_clean_pass``)
      K  θ_k forward on a mixed batch + backward to the input only (θ_k is frozen)
      Q  θ_q forward + full backward (done twice per step: clean x and x_bb)
    """
    def clean():
        with torch.no_grad():
            return model.mask_feature(x)

    def clean_to_stage():
        saved, model.truncate_clean_pass = model.truncate_clean_pass, True
        try:
            return clean()
        finally:
            model.truncate_clean_pass = saved

    def k_pass():
        xi = x.detach().clone().requires_grad_()
        model.theta_k.mix_logits(xi).sum().backward()
        return xi.grad

    def q_pass():
        model.theta_q.logits(x).sum().backward()
        grads = [p.grad for p in model.backbone_q.parameters()]
        model.zero_grad(set_to_none=True)
        return grads

    return dict(C=clean, Ct=clean_to_stage, K=k_pass, Q=q_pass)


def breakdown(args, arch, batch):
    """Median time of each pass of ``phase_fns`` alone, interleaved. Mixup's step is one
    Q, so (C + K + 2Q) / Q is the floor of AutoMix/Mixup time for this step on this
    device, before any Mix Block, optimizer or EMA work."""
    model, _ = build('automix', arch, args.device, args.channels_last, args.amp_dtype)
    data = model.data_preprocessor(make_batch(arch, batch, args.device,
                                              args.channels_last), True)
    phases = phase_fns(model, data['inputs'])
    amp = (functools.partial(torch.autocast, device_type=args.device,
                             dtype=getattr(torch, args.amp_dtype))
           if args.amp_dtype else contextlib.nullcontext)
    times = interleaved(phases, args, context=amp)
    return {k: statistics.median(v) for k, v in times.items()}


def report(arch, batch, args, times, spread, mem, passes, phases=None):
    print(f'\n== {arch}: batch {batch}, {ARCHS[arch].size} px, device {args.device}'
          f'{", amp " + args.amp_dtype if args.amp_dtype else ", fp32"}'
          f'{", channels_last" if args.channels_last else ""}; median of {args.steps} '
          f'interleaved steps after {args.warmup} warm-up')
    key = 'cuda_max_allocated_mb' if args.device == 'cuda' else 'step_rss_mb'
    print(f'{"mode":15s} {"step s":>8s} {"img/s":>8s} {"x mixup":>8s} {"paired":>7s} '
          f'{"range":>11s} '
          f'{"peak MB":>9s} {"x mixup":>8s}' + ('' if args.device == 'cuda' else
                                                f' {"RSS MB":>8s} {"x mixup":>8s}')
          + f' {"passes":>6s}')
    for mode in args.modes:
        t = times[mode]
        lo, med, hi = spread[mode]
        line = (f'{mode:15s} {t:8.3f} {batch / t:8.1f} {t / times["mixup"]:8.2f} {med:7.2f} '
                f'{lo:5.2f}-{hi:<5.2f} ')
        if mem is None:       # --no-memory
            line += f'{"-":>9s} {"-":>8s}' + ('' if args.device == 'cuda' else
                                               f' {"-":>8s} {"-":>8s}')
        else:
            line += f'{mem[mode][key]:9.0f} {mem[mode][key] / mem["mixup"][key]:8.2f}'
            if args.device != 'cuda':
                rss = mem[mode]['peak_rss_mb']
                line += f' {rss:8.0f} {rss / mem["mixup"]["peak_rss_mb"]:8.2f}'
        line += f' {passes[mode]:6g}'
        print(line, flush=True)
    if phases:
        q = phases['Q']
        print('network passes alone (units: one forward = Q/3):')
        for name, what in (('C', 'clean θ_k forward, whole network, no graph'),
                           ('Ct', 'clean θ_k forward to mask_layer (speed option)'),
                           ('K', 'θ_k forward + input-only backward'),
                           ('Q', 'θ_q forward + backward (Mixup step: 1, AutoMix: 2)')):
            print(f'  {name:2s} {what:52s} {phases[name]:7.3f} s {3 * phases[name] / q:5.2f}')
        for clean, mode, what in (('C', 'automix', 'identical math'),
                                  ('Ct', 'automix_trunc', 'truncated clean pass')):
            floor = (phases[clean] + phases['K'] + 2 * q) / q
            measured = (f' (measured step ratio {times[mode] / times["mixup"]:.2f})'
                        if mode in times else '')
            print(f'  floor of AutoMix/Mixup, {what}, ({clean} + K + 2Q) / Q = {floor:.2f}'
                  + measured, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--arch', default='all', choices=list(ARCHS) + ['all'],
                        help='all: r18 and r50')
    parser.add_argument('--steps', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch', type=int, help='override the batch size')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp-dtype', choices=['bf16', 'fp16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--modes', nargs='+',
                        choices=MODES + FAMILY + KNOBS + SUCCESSORS
                        + ('family', 'knobs', 'successors'),
                        default=list(MODES),
                        help='modes to run (mixup, the reference, is always added; '
                        '"family": every mode of the mixup family; "knobs": AutoMix\'s speed '
                        'knobs)')
    parser.add_argument('--breakdown', action='store_true',
                        help='also time the network passes alone and print the floor')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the memory columns (on the CPU each mode\'s memory is '
                        'measured in a process of its own)')
    parser.add_argument('--memory-child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--mode', choices=MODES + FAMILY + KNOBS + SUCCESSORS,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if 'family' in args.modes:
        args.modes = [m for m in args.modes if m != 'family'] + list(FAMILY)
    if 'knobs' in args.modes:
        args.modes = [m for m in args.modes if m != 'knobs'] + ['automix'] + list(KNOBS)
    if 'successors' in args.modes:
        args.modes = ([m for m in args.modes if m != 'successors'] + ['automix']
                      + list(SUCCESSORS))
    args.modes = ['mixup'] + list(dict.fromkeys(m for m in args.modes if m != 'mixup'))
    args.amp_dtype = {'bf16': 'bfloat16', 'fp16': 'float16', None: None}[args.amp_dtype]
    from mmengine.logging import MMLogger

    from mmautomix.utils import register_all_modules
    register_all_modules()
    MMLogger.get_current_instance().setLevel('WARNING')   # no per-parameter init log
    if args.memory_child:
        return memory_child(args)
    torch.manual_seed(0)
    if args.device == 'cuda':
        torch.backends.cudnn.benchmark = True     # every mode: fixed shapes, as in training
    for arch in (['r18', 'r50'] if args.arch == 'all' else [args.arch]):
        batch = args.batch or (ARCHS[arch].gpu_batch if args.device == 'cuda'
                                else ARCHS[arch].cpu_batch)
        times, spread, passes = time_modes(args, arch, batch)
        phases = breakdown(args, arch, batch) if args.breakdown else None
        mem = None if args.no_memory else memory_modes(args, arch, batch, __file__)
        report(arch, batch, args, times, spread, mem, passes, phases)


if __name__ == '__main__':
    main()
