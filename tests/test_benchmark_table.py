"""tools/benchmark_table.py: medians from both log formats, marked cells, and a real
resumable run of two configs collected into a table whose cells equal the logs."""
import glob
import importlib.util
import json
import os
import os.path as osp
import statistics
import subprocess
import sys

import pytest

from conftest import REPO

TOOL = osp.join(REPO, 'tools', 'benchmark_table.py')


def tool():
    spec = importlib.util.spec_from_file_location('benchmark_table', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fake_mmengine_run(root, method, seed, ema, online=None, times=(0.5, 0.7, 0.6),
                      max_epochs=None, lr=0.1):
    """A work dir as mmengine writes it: the dumped config and vis_data/scalars.json."""
    work = osp.join(root, method, f'seed{seed}')
    vis = osp.join(work, '20260101_000000', 'vis_data')
    os.makedirs(vis)
    with open(osp.join(work, f'{method}.py'), 'w') as f:
        f.write(f'randomness = dict(seed={seed})\nwork_dir = {work!r}\n'
                f'train_cfg = dict(max_epochs={max_epochs or len(ema)})\n'
                f'optim_wrapper = dict(optimizer=dict(lr={lr}))\n')
    with open(osp.join(vis, 'scalars.json'), 'w') as f:
        for i, t in enumerate(times):
            rec = dict(lr=0.1, loss=2.0, time=t, epoch=1, iter=i, step=i)
            if online:     # AutoMix logs its mask statistics with the losses
                rec.update(mask_spatial_std=0.01 * i, mask_lam_error=0.2 - 0.01 * i)
            f.write(json.dumps(rec) + '\n')
        for e, acc in enumerate(ema, 1):
            rec = {'accuracy/top1': acc, 'step': e}
            if online:     # an AutoMix run: AutoMixAccuracy's names
                rec = {'accuracy_ema/top1': acc, 'accuracy_online/top1': online[e - 1],
                       'step': e}
            f.write(json.dumps(rec) + '\n')
    return work


def test_medians_of_the_last_epochs_and_seed_statistics(tmp_path):
    root = str(tmp_path)
    fake_mmengine_run(root, 'automix', 0, [10, 20, 30, 50], online=[5, 60, 7, 8])
    fake_mmengine_run(root, 'automix', 1, [10, 20, 40, 60], online=[5, 6, 9, 10],
                      times=(0.9, 1.1, 1.0))
    t = tool()
    rows = {r['method']: r for r in t.summarise(t.find_runs([root]), last=3)}
    row = rows['automix']
    assert row['n'] == 2 and row['seeds'] == [0, 1] and not row['notes']
    assert row['median_top1'] == (35.0, pytest.approx(statistics.stdev([30, 40])))
    # the online model is its own column: medians 8 and 9, never max(EMA, online)
    assert row['median_online_top1'] == (8.5, pytest.approx(statistics.stdev([8, 9])))
    assert row['s_per_iter'][0] == pytest.approx((0.6 + 1.0) / 2)
    runs = t.find_runs([root])
    got = [v for row in runs[0]['mask_stats'] for v in row]
    assert got == pytest.approx([0, 0.0, 0.2, 1, 0.01, 0.19, 2, 0.02, 0.18])
    out = str(tmp_path / 't')
    t.plots(runs, list(rows.values()), out)
    assert osp.getsize(out + '_masks.png') > 1000


def test_openmixup_logs_use_the_one_hot_heads_separately(tmp_path):
    d = tmp_path / 'r18_automix_seed0'
    d.mkdir()
    lines = [dict(env_info='x', seed=3, exp_name='r18_automix.py',
                  config='seed = 3\nmax_epochs = 3\n')]
    for e, (k, q, mk) in enumerate([(70, 60, 90), (71, 61, 91), (73, 62, 95)], 1):
        lines.append(dict(mode='train', epoch=e, iter=50, time=0.25, memory=1000 + e))
        lines.append(dict(mode='val', epoch=e, iter=500, acc_one_k_top1=k,
                          acc_one_q_top1=q, acc_mix_k_top1=mk, acc_mix_q_top1=mk))
    (d / '20220101_000000.log.json').write_text('\n'.join(json.dumps(x) for x in lines))
    t = tool()
    runs = t.find_runs([str(tmp_path)])
    assert len(runs) == 1 and runs[0]['method'] == 'r18_automix' and runs[0]['seed'] == 3
    row = t.summarise(runs, last=2)[0]
    assert row['median_top1'][0] == 72.0            # median of 71, 73 (k one-hot head)
    assert row['median_online_top1'][0] == 61.5     # median of 61, 62 (q one-hot head)
    assert row['s_per_iter'][0] == 0.25 and row['peak_mem_mb'][0] == 1003


def test_bad_runs_are_marked_not_averaged(tmp_path):
    root = str(tmp_path)
    fake_mmengine_run(root, 'crash', 0, [10, 20, 30])
    fake_mmengine_run(root, 'crash', 1, [10, 20], max_epochs=3)           # stopped early
    fake_mmengine_run(root, 'epochs', 0, [10, 20, 30])
    fake_mmengine_run(root, 'epochs', 1, [10, 20, 30, 40])                # 4 epochs
    fake_mmengine_run(root, 'recipes', 0, [10, 20])
    fake_mmengine_run(root, 'recipes', 1, [10, 30], lr=0.2)               # another LR
    empty = osp.join(root, 'nolog', 'seed0')
    os.makedirs(empty)
    with open(osp.join(empty, 'run.json'), 'w') as f:
        json.dump(dict(returncode=1, config='x.py', seed=0), f)
    t = tool()
    rows = {r['method']: r for r in t.summarise(t.find_runs([root]), last=1)}
    assert rows['crash']['n'] == 1 and rows['crash']['median_top1'][0] == 30
    assert 'seed 1: stopped after epoch 2 of 3' in rows['crash']['notes']
    assert rows['epochs']['n'] == 0 and rows['epochs']['median_top1'] == (None, None)
    assert 'different numbers of epochs [3, 4]' in ' '.join(rows['epochs']['notes'])
    assert rows['recipes']['n'] == 0
    assert 'different configs (2 recipes)' in ' '.join(rows['recipes']['notes'])
    assert rows['nolog']['n'] == 0 and 'no scalar log' in rows['nolog']['notes'][0]
    text = t.markdown(list(rows.values()), 1, 'T')
    # 'epochs' is marked twice: its seeds' configs differ in max_epochs too
    assert text.count('not averaged') == 3 and 'stopped after epoch 2 of 3' in text


def test_real_runs_resume_and_collect(tmp_path, fmnist_root):
    configs = [osp.join(REPO, 'configs/mixups/fashion_mnist', n) for n in
               ('resnet18-w16_1xb100-4e_fmnist.py', 'resnet18-w16_1xb100-fmix-4e_fmnist.py')]
    opts = ['train_dataloader.dataset.num_samples=300', 'val_dataloader.dataset.num_samples=200',
            'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1']
    run = [sys.executable, TOOL, 'run', *configs, '--seeds', '0',
           '--work-root', str(tmp_path / 'runs'), '--cfg-options', *opts]
    proc = subprocess.run(run, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    stamps = sorted(glob.glob(str(tmp_path / 'runs' / '*' / 'seed0' / '2*')))
    assert len(stamps) == 2
    again = subprocess.run(run, capture_output=True, text=True, timeout=900)
    assert again.stdout.count('done already') == 2        # nothing is trained twice
    assert sorted(glob.glob(str(tmp_path / 'runs' / '*' / 'seed0' / '2*'))) == stamps
    out = str(tmp_path / 'table')
    proc = subprocess.run([sys.executable, TOOL, 'collect', str(tmp_path / 'runs'),
                           '--last', '1', '--out', out], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out + '.json') as f:
        table = json.load(f)
    assert {r['method'] for r in table['methods']} == {
        'resnet18-w16_1xb100-4e_fmnist', 'resnet18-w16_1xb100-fmix-4e_fmnist'}
    for run_rec in table['runs']:   # every cell equals what the run's own log says
        with open(glob.glob(osp.join(run_rec['source'], '2*', 'vis_data',
                                     'scalars.json'))[0]) as f:
            recs = [json.loads(line) for line in f]
        vals = [r['accuracy/top1'] for r in recs if 'accuracy/top1' in r]
        times = [r['time'] for r in recs if 'loss' in r]
        assert len(vals) == 2 and run_rec['median_top1'] == vals[-1]
        assert run_rec['s_per_iter'] == statistics.median(times)
        assert run_rec['seed'] == 0 and run_rec['peak_mem_mb'] > 100
    md = open(out + '.md').read()
    for r in table['methods']:
        assert f'| {r["method"]} | 1 | {r["median_top1"][0]:.2f} ± 0.00 |' in md
    assert osp.getsize(out + '_curves.png') > 1000 and osp.getsize(out + '_cost.png') > 1000
