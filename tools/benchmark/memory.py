"""Peak memory of a benchmarked mode's training steps (``tools/benchmark_step.py``)."""
import json
import os
import subprocess
import sys

import torch

from .modes import build, make_batch


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


def memory_modes(args, arch, batch, script):
    """{mode: peak memory}: on CUDA measured in this process, on the CPU each mode in a
    process of its own (``script --memory-child``, which calls :func:`memory_child`)."""
    res = {}
    for mode in args.modes:
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
        cmd = [sys.executable, script, '--memory-child', '--mode', mode, '--arch', arch,
               '--batch', str(batch), '--device', args.device]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True,
                              env=dict(os.environ, PYTHONWARNINGS='ignore'))
        res[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    return res
