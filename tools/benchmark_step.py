"""Training-step cost of AutoMix against Mixup and vanilla on the same backbone.

    python tools/benchmark_step.py [--arch r18|r50|all] [--steps 8] [--device cpu|cuda]
                                   [--amp-dtype bf16] [--channels-last]

Modes, each a real ``train_step`` (data preprocessor, forward, backward, SGD step):
  vanilla        mmpretrain ImageClassifier, one-hot CE
  mixup          the same with mmpretrain's Mixup batch augment (α=1), soft CE
  automix        mmautomix AutoMix as shipped (staged backward, truncated clean pass)
  automix_plain  AutoMix with both levers off (summed loss, full clean θ_k pass): the
                 cost structure of the official step, for reference

Time: the modes run interleaved in one process (step i of every mode, then step i+1),
after warm-up steps; the median step time and its ratio to Mixup are printed.
Memory: on CUDA, ``max_memory_allocated`` per mode in this process; on the CPU, each mode
runs in its own subprocess and reports its peak RSS, both whole and above the RSS it
had after building the model (the part the training step itself adds).

Architectures (the issue's benchmark): r18 = ResNet-18 CIFAR stem, batch 100, 32 px;
r50 = ResNet-50, 224 px, batch 8 on the CPU (64 on a GPU; --batch to change).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

MODES = ('vanilla', 'mixup', 'automix', 'automix_plain')
ARCHS = {
    # name: (backbone, head in_channels, Mix Block in_channels, size, cpu batch, gpu batch)
    'r18': (dict(type='ResNet_CIFAR', depth=18, out_indices=(3, )), 512, 256, 32, 100, 100),
    'r50': (dict(type='ResNet', depth=50, out_indices=(3, )), 2048, 1024, 224, 8, 64),
}
NUM_CLASSES = 100


def model_cfg(mode, arch):
    backbone, head_c, mb_c, size, _, _ = ARCHS[arch]
    soft = mode != 'vanilla'
    cfg = dict(
        type='ImageClassifier',
        backbone=backbone,
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=head_c,
                  loss=dict(type='CrossEntropyLoss', use_soft=soft and mode == 'mixup')),
        data_preprocessor=dict(num_classes=NUM_CLASSES, mean=[125.3, 123.0, 113.9],
                               std=[63.0, 62.1, 66.7], to_rgb=False))
    if mode == 'mixup':
        cfg['train_cfg'] = dict(augments=dict(type='Mixup', alpha=1.0))
    if mode.startswith('automix'):
        cfg.update(type='AutoMix', alpha=2.0, mask_layer=2, mask_loss=0.1, lam_margin=0.08,
                   mix_block=dict(type='PixelMixBlock', in_channels=mb_c,
                                  lam_concat=size > 64, mask_loss_margin=0.1),
                   staged_backward=mode == 'automix', truncate_clean_pass=mode == 'automix')
    return cfg


def build(mode, arch, device, channels_last, amp_dtype):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from mmautomix.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(mode, arch)).to(device)
    model.init_weights()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01,
                          momentum=0.9, weight_decay=1e-4)
    if amp_dtype:
        wrapper = AmpOptimWrapper(optimizer=opt, dtype=amp_dtype)
    else:
        wrapper = OptimWrapper(opt)
    return model, wrapper


def make_batch(arch, batch, device, channels_last):
    from mmpretrain.structures import DataSample
    size = ARCHS[arch][3]
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (batch, 3, size, size), generator=g, dtype=torch.uint8)
    x = x.to(device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    samples = [DataSample().set_gt_label(i % NUM_CLASSES) for i in range(batch)]
    return dict(inputs=x, data_samples=samples)


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def time_modes(args, arch, batch):
    """Interleaved timing of every mode; returns {mode: median seconds}."""
    runs = {m: build(m, arch, args.device, args.channels_last, args.amp_dtype) for m in MODES}
    data = make_batch(arch, batch, args.device, args.channels_last)
    times = {m: [] for m in MODES}
    for step in range(args.warmup + args.steps):
        for mode, (model, wrapper) in runs.items():
            sync(args.device)
            t0 = time.perf_counter()
            model.train_step(data, wrapper)
            sync(args.device)
            if step >= args.warmup:
                times[mode].append(time.perf_counter() - t0)
    return {m: statistics.median(v) for m, v in times.items()}


def _proc_status_mb(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def memory_child(args):
    """Run one mode alone and print its peak memory as JSON (used for the CPU).

    The RSS high-water mark (VmHWM) is reset after the model is built (Linux
    /proc/self/clear_refs), so ``step_rss_mb`` is the peak during training minus the
    RSS before it: what the training step adds on top of the model and the libraries."""
    model, wrapper = build(args.mode, args.arch, args.device, args.channels_last,
                           args.amp_dtype)
    data = make_batch(args.arch, args.batch, args.device, args.channels_last)
    base = _proc_status_mb('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')                       # reset VmHWM to the current RSS
    for _ in range(3):
        model.train_step(data, wrapper)
    peak = _proc_status_mb('VmHWM')
    out = dict(peak_rss_mb=peak, step_rss_mb=peak - base)
    if args.device == 'cuda':
        out['cuda_max_allocated_mb'] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(out))


def memory_modes(args, arch, batch):
    res = {}
    for mode in MODES:
        if args.device == 'cuda':
            model, wrapper = build(mode, arch, args.device, args.channels_last,
                                   args.amp_dtype)
            data = make_batch(arch, batch, args.device, args.channels_last)
            model.train_step(data, wrapper)
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            for _ in range(2):
                model.train_step(data, wrapper)
            torch.cuda.synchronize()
            res[mode] = dict(cuda_max_allocated_mb=torch.cuda.max_memory_allocated() / 2**20)
            del model, wrapper, data
            torch.cuda.empty_cache()
            continue
        cmd = [sys.executable, __file__, '--memory-child', '--mode', mode, '--arch', arch,
               '--batch', str(batch), '--device', args.device]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True,
                              env=dict(os.environ, PYTHONWARNINGS='ignore'))
        res[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    return res


def report(arch, batch, args, times, mem):
    print(f'\n== {arch}: batch {batch}, {ARCHS[arch][3]} px, device {args.device}'
          f'{", amp " + args.amp_dtype if args.amp_dtype else ", fp32"}'
          f'{", channels_last" if args.channels_last else ""}; median of {args.steps} '
          f'interleaved steps after {args.warmup} warm-up')
    key = 'cuda_max_allocated_mb' if args.device == 'cuda' else 'step_rss_mb'
    print(f'{"mode":15s} {"step s":>8s} {"img/s":>8s} {"x mixup":>8s} {"peak MB":>9s} '
          f'{"x mixup":>8s}' + ('' if args.device == 'cuda' else
                                f' {"RSS MB":>8s} {"x mixup":>8s}'))
    for mode in MODES:
        t = times[mode]
        line = (f'{mode:15s} {t:8.3f} {batch / t:8.1f} {t / times["mixup"]:8.2f} '
                f'{mem[mode][key]:9.0f} {mem[mode][key] / mem["mixup"][key]:8.2f}')
        if args.device != 'cuda':
            rss = mem[mode]['peak_rss_mb']
            line += f' {rss:8.0f} {rss / mem["mixup"]["peak_rss_mb"]:8.2f}'
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--arch', default='all', choices=['r18', 'r50', 'all'])
    parser.add_argument('--steps', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch', type=int, help='override the batch size')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp-dtype', choices=['bf16', 'fp16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--memory-child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--mode', choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.amp_dtype = {'bf16': 'bfloat16', 'fp16': 'float16', None: None}[args.amp_dtype]
    from mmengine.logging import MMLogger

    from mmautomix.utils import register_all_modules
    register_all_modules()
    MMLogger.get_current_instance().setLevel('WARNING')   # no per-parameter init log
    if args.memory_child:
        return memory_child(args)
    torch.manual_seed(0)
    for arch in (['r18', 'r50'] if args.arch == 'all' else [args.arch]):
        batch = args.batch or ARCHS[arch][5 if args.device == 'cuda' else 4]
        times = time_modes(args, arch, batch)
        mem = memory_modes(args, arch, batch)
        report(arch, batch, args, times, mem)


if __name__ == '__main__':
    main()
