"""A golden trace: what the first iterations of a training log, bit for bit.

    python tools/golden_trace.py record [CONFIG ...] --out tests/fixtures/golden_trace.json
    python tools/golden_trace.py compare [CONFIG ...] [--trace TRACE ...]

Each config trains for one epoch (the data-limited regime's 2,000 images at batch 100:
20 iterations) on seed 0 in this process, with a real mmengine Runner built as
``tools/train.py`` builds it, on one thread, without validation. The trace keeps every
scalar the model logged at every iteration (losses, accuracies, mask statistics, the
EMA momentum, the LR) and a SHA-256 of the final state dict (θ_q, θ_k, the Mix Block and
every buffer). A refactor that claims to change no number reproduces it exactly: every
recorded scalar at every iteration (a statistic logged only now is an addition, not a
difference) and the checksum.

Floating-point results depend on the kernels the CPU runs, and two CPUs of the same
torch capability ('AVX512') can differ in the last bits of a convolution (oneDNN picks
its kernels by the CPU's model and vector extensions). A trace records torch's version,
the capability and the CPU's identity (vendor, family, model, vector-extension flags);
``compare`` uses the trace among :data:`FIXTURES` recorded on this environment and
demands equality, else the first one (the trace recorded before the redesign) and
compares the scalars of the first ``LOOSE_ITERS`` iterations to 1e-3 relative (rounding
differences grow over SGD steps), not the checksum. Every fixture is recorded by the
code of before the redesign (commit f6af27c), so equality means the same numbers as
before it.
"""
import argparse
import glob
import hashlib
import json
import os.path as osp
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = [
    'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-100e_fmnist2k.py',
    'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-lamcat-100e_fmnist2k.py',
    'configs/samix/fashion_mnist/samix_resnet18-w16_1xb100-100e_fmnist2k.py',
    'configs/adautomix/fashion_mnist/adautomix_resnet18-w16_1xb100-100e_fmnist2k.py',
    'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-fast-100e_fmnist2k.py',
    'configs/mixups/fashion_mnist/resnet18-w16_1xb100-mixup-100e_fmnist2k.py',
]
# kept out of the comparison: how long a step took, not what it computed
NOT_COMPARED = ('time', 'data_time')
LOOSE_ITERS = 5
#: the recorded traces: the first, of the host that recorded it before the redesign, is
#: the one compared loosely on any other environment
FIXTURES = [osp.join(REPO, 'tests', 'fixtures', 'golden_trace.json')] + sorted(
    glob.glob(osp.join(REPO, 'tests', 'fixtures', 'golden_trace_*.json')))


def cpu_identity():
    """The CPU's vendor, family, model and vector-extension flags, from /proc/cpuinfo
    (elsewhere ``platform.processor()``)."""
    try:
        with open('/proc/cpuinfo') as f:
            text = f.read()
    except OSError:
        import platform
        return platform.processor() or 'unknown'
    fields = {}
    for line in text.splitlines():
        if not line.strip() and fields:
            break                                  # the first processor is enough
        if ':' in line:
            key, value = (part.strip() for part in line.split(':', 1))
            fields.setdefault(key, value)
    flags = sorted(f for f in fields.get('flags', '').split()
                   if f.startswith(('avx', 'amx', 'fma', 'f16c')))
    return (f"{fields.get('vendor_id')} family {fields.get('cpu family')} model "
            f"{fields.get('model')}: {' '.join(flags)}")


def environment():
    import torch
    return dict(torch=torch.__version__, cpu=torch.backends.cpu.get_cpu_capability(),
                cpu_identity=cpu_identity())


def pick_trace(paths, here=None):
    """(trace, exact): the trace among ``paths`` recorded on this environment (compared
    exactly), else the first (compared loosely)."""
    here = environment() if here is None else here
    traces = []
    for path in paths:
        with open(path) as f:
            traces.append(json.load(f))
    for data in traces:
        if data['environment'] == here:
            return data, True
    return traces[0], False


#: state-dict entries the digest leaves out: the model's training state (counters, m,
#: η as bytes; ``models/step_state.py``), which the trace's scalars already show
NOT_DIGESTED = ('step_state', )


def state_digest(model):
    """SHA-256 over the state dict's keys, dtypes, shapes and bytes, in key order (the
    weights and buffers; :data:`NOT_DIGESTED` left out)."""
    import torch
    h = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        if key in NOT_DIGESTED:
            continue
        t = value.detach().cpu().contiguous()
        h.update(f'{key}|{t.dtype}|{tuple(t.shape)}|'.encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def trace(config, seed=0, epochs=1):
    """{'scalars': {key: [value per iteration]}, 'iters': n, 'state_sha256': ...}."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmautomix.utils.checkpoint import register_checkpoint_loader
    register_checkpoint_loader()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with tempfile.TemporaryDirectory() as work:
            cfg = Config.fromfile(osp.join(REPO, config))
            cfg.work_dir = work
            cfg.randomness = dict(seed=seed)
            cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=10 ** 6)
            cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
            cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
            cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10 ** 6,
                                                save_last=False)
            cfg.log_level = 'WARNING'
            runner = Runner.from_cfg(cfg)
            runner.train()
            scalars = {}
            for name, history in runner.message_hub.log_scalars.items():
                if not name.startswith('train/'):
                    continue
                key = name[len('train/'):]
                if key in NOT_COMPARED:
                    continue
                values, _ = history.data
                scalars[key] = [float(v) for v in values]
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            return dict(iters=runner.iter, scalars=scalars, state_sha256=state_digest(model))
    finally:
        torch.set_num_threads(threads)


def differences(recorded, now, exact):
    """What differs between two traces of one config (an empty list: none)."""
    out = []
    if recorded['iters'] != now['iters']:
        out.append(f'iterations: {recorded["iters"]} recorded, {now["iters"]} now')
    for key in sorted(set(recorded['scalars']) | set(now['scalars'])):
        a, b = recorded['scalars'].get(key), now['scalars'].get(key)
        if a is None:
            continue          # a statistic logged since: an addition, not a change
        if b is None:
            out.append(f'{key}: logged in the record, not now')
            continue
        if len(a) != len(b):
            out.append(f'{key}: {len(a)} values recorded, {len(b)} now')
            continue
        pairs = list(zip(a, b)) if exact else list(zip(a, b))[:LOOSE_ITERS]
        for i, (x, y) in enumerate(pairs):
            same = x == y if exact else abs(x - y) <= 1e-3 * max(abs(x), abs(y)) + 1e-6
            if not same:
                out.append(f'{key} at iteration {i + 1}: {x!r} recorded, {y!r} now')
                break
    if exact and recorded['state_sha256'] != now['state_sha256']:
        out.append('final state dict: checksum differs')
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=['record', 'compare'])
    parser.add_argument('configs', nargs='*', default=CONFIGS)
    parser.add_argument('--out', default='tests/fixtures/golden_trace.json')
    parser.add_argument('--trace', nargs='+', help='the traces to pick from (default: '
                        'the fixtures; the one of this environment, else the first)')
    args = parser.parse_args(argv)
    from mmautomix.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if args.command == 'record':
        data = dict(environment=environment(), seed=0, configs={})
        for config in args.configs:
            data['configs'][config] = trace(config)
            print(f'[golden] {config}: {data["configs"][config]["iters"]} iterations, '
                  f'{len(data["configs"][config]["scalars"])} scalars', flush=True)
        with open(args.out, 'w') as f:
            json.dump(data, f, indent=1)
        print(f'[golden] wrote {args.out}')
        return 0
    data, exact = pick_trace(args.trace or FIXTURES)
    failed = 0
    for config in args.configs:
        diff = differences(data['configs'][config], trace(config), exact)
        print(f'[golden] {config}: ' + ('equal' + (' (bit for bit)' if exact else
                                                  ' (first iterations to 1e-3: other '
                                                  'torch or CPU)')
                                        if not diff else '; '.join(diff[:5])))
        failed += bool(diff)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
