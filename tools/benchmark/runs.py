"""Training the table's runs: configs × seeds through tools/train.py, resumable, with
the queue's progress (``benchmark_table.py run``)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

from .logs import REPO


def run_dir(work_root, config, seed):
    return osp.join(work_root, osp.splitext(osp.basename(config))[0], f'seed{seed}')


def finished(work_dir):
    """Whether `run` finished this run (its run.json records exit 0)."""
    marker = osp.join(work_dir, 'run.json')
    if not osp.isfile(marker):
        return False
    with open(marker) as f:
        return json.load(f).get('returncode') == 0


def run_one(config, seed, work_dir, cfg_options):
    """Train ``config`` with ``seed`` into ``work_dir`` unless it finished already."""
    marker = osp.join(work_dir, 'run.json')
    if finished(work_dir):
        print(f'[table] done already: {work_dir}', flush=True)
        return 0
    resume = ['--resume'] if glob.glob(osp.join(work_dir, '*.pth')) else []
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
           '--work-dir', work_dir, *resume,
           '--cfg-options', f'randomness.seed={seed}', *cfg_options]
    # a small parent measures the training process's peak RSS (workers included)
    # (the trainer's stdout joins its stderr in train_output.log: the wrapper's stdout
    # carries only the JSON line)
    wrapper = ('import json, resource, subprocess, sys; '
               'rc = subprocess.call(sys.argv[1:], stdout=sys.stderr); '
               'print(json.dumps(dict(returncode=rc, peak_rss_mb=resource.getrusage('
               'resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))')
    os.makedirs(work_dir, exist_ok=True)
    print(f'[table] {"resuming" if resume else "training"}: {work_dir}', flush=True)
    t0 = time.time()
    with open(osp.join(work_dir, 'train_output.log'), 'a') as log:
        proc = subprocess.run([sys.executable, '-c', wrapper, *cmd], stdout=subprocess.PIPE,
                              stderr=log, text=True)
    lines = proc.stdout.strip().splitlines()
    if lines:
        result = json.loads(lines[-1])
    else:   # the wrapper itself was killed: record the failure and go on with the rest
        result = dict(returncode=proc.returncode or -1, peak_rss_mb=None)
    result.update(config=config, seed=seed, command=cmd, wall_s=round(time.time() - t0, 1))
    with open(marker, 'w') as f:
        json.dump(result, f, indent=1)
    return result['returncode']


def clock(seconds):
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


def queue_progress(position, total, skipped, walls, elapsed):
    """'[table] queue: run 4 of 10 (2 done before, skipped); 1 trained in 0:14:10,
    elapsed 0:14:12, ETA 1:39:10 for 7 more' — the ETA from the mean wall time of the
    runs this queue trained (none yet: unknown)."""
    left = total - position + 1
    text = (f'[table] queue: run {position} of {total} ({skipped} done before, skipped); '
            f'{len(walls)} trained in {clock(sum(walls))}, elapsed {clock(elapsed)}')
    if walls:
        text += f', ETA {clock(left * sum(walls) / len(walls))} for {left} more'
    else:
        text += f', ETA unknown until a run finishes ({left} to go)'
    return text
