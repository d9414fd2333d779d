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

import numpy as np
import pytest

from conftest import REPO

TOOL = osp.join(REPO, 'tools', 'benchmark_table.py')


def assert_picture(path, min_side=200):
    """``path`` is a readable image of at least ``min_side`` px a side with content: its
    pixels are not all one colour and some are dark (lines, text), not a blank canvas."""
    import cv2
    img = cv2.imread(path)
    assert img is not None, f'{path}: not a readable image'
    assert min(img.shape[:2]) >= min_side, img.shape
    assert img.std() > 5 and (img.min(axis=2) < 100).mean() > 0.001, path


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
    got = [v for row in runs[0]['mask_stats'] for v in row[:3]]
    assert got == pytest.approx([0, 0.0, 0.2, 1, 0.01, 0.19, 2, 0.02, 0.18])
    assert [row[3] for row in runs[0]['mask_stats']] == [None] * 3   # no entropy logged
    out = str(tmp_path / 't')
    t.plots(runs, list(rows.values()), out)
    import matplotlib.image
    img = matplotlib.image.imread(out + '_masks.png')
    assert img.shape[:2] == (480, 1440)             # 12 x 4 inches at 120 dpi
    # not a blank canvas: lines, bands and text in many colours
    assert img[..., :3].std() > 0.05 and len(np.unique(img[..., :3].reshape(-1, 3),
                                                       axis=0)) > 20


AUTOMIX_CFG = """model = dict(
    type='AutoMixup',
    pretrained=None,
    alpha=2.0,
    momentum=0.999,
    mask_layer=2,
    mix_block=dict(
        type='PixelMixBlock',
        in_channels=256,
        reduction=2,
        use_scale=True,
        unsampling_mode=['nearest'],
        lam_concat=False,
        mask_loss_mode='L1',
        mask_loss_margin=0.1),
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4, out_indices=(3, )),
    head_one=dict(type='ClsHead', in_channels=512, num_classes=100))
seed = {seed}
max_epochs = 3
"""
MIXUPS_CFG = """model = dict(
    type='MixUpClassification',
    pretrained=None,
    alpha={alpha},
    mix_mode='{mode}',
    mix_args=dict(),
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4, out_indices=(3, )),
    head=dict(type='ClsMixupHead', in_channels=512, num_classes=100))
data = dict(imgs_per_gpu=100, workers_per_gpu=4)
seed = {seed}
max_epochs = 3
"""


def openmixup_log(path, config, seed, vals, val_key='head0_top1', online=None,
                  exp_name='r18_mixups_CE_none.py'):
    """A log as OpenMixup's (mmcv 1.x) JSON logger writes it: the meta line, then one
    JSON object per train and val record."""
    lines = [dict(env_info='sys.platform: linux\nPython: 3.8', config=config, seed=seed,
                  exp_name=exp_name)]
    for e, acc in enumerate(vals, 1):
        lines.append(dict(mode='train', epoch=e, iter=500, lr=0.1, memory=1021,
                          data_time=0.01, loss=1.5, time=0.12345))
        rec = dict(mode='val', epoch=e, iter=500, lr=0.1, **{val_key: acc})
        if online:
            rec.update(acc_one_q_top1=online[e - 1], acc_mix_k_top1=acc + 1)
        lines.append(rec)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(''.join(json.dumps(x) + '\n' for x in lines))


def test_openmixup_logs_use_the_one_hot_heads_separately(tmp_path):
    path = str(tmp_path / 'r18_automix_seed0' / '20220101_000000.log.json')
    openmixup_log(path, AUTOMIX_CFG.format(seed=3), 3, [70, 71, 73],
                  val_key='acc_one_k_top1', online=[60, 61, 62], exp_name='r18_automix.py')
    t = tool()
    runs = t.find_runs([str(tmp_path)])
    assert len(runs) == 1 and runs[0]['method'] == 'AutoMix' and runs[0]['seed'] == 3
    row = t.summarise(runs, last=2)[0]
    assert row['median_top1'][0] == 72.0            # median of 71, 73 (k one-hot head)
    assert row['median_online_top1'][0] == 61.5     # median of 61, 62 (q one-hot head)
    assert row['s_per_iter'][0] == 0.12345 and row['peak_mem_mb'][0] == 1021


def test_published_openmixup_logs_become_one_row_per_method(tmp_path):
    """A folder of logs as users download them: named after the method with a plain
    `.json` suffix, the whole mixup family sharing one exp_name (one config file with
    `mix_mode`), AutoMix (and a SAMix Mix Block), one log without a method and two
    files that are no log at all."""
    root = tmp_path / 'published'
    for mode, alpha, vals in (('mixup', 1.0, [70, 78, 78.5]), ('cutmix', 0.2, [71, 79, 79.4]),
                              ('puzzlemix', 1.0, [72, 80, 79.9])):
        for seed, shift in ((0, 0.0), (1, 0.4)):
            openmixup_log(str(root / f'{mode}_seed{seed}.json'),
                          MIXUPS_CFG.format(alpha=alpha, mode=mode, seed=seed), seed,
                          [v + shift for v in vals])
    openmixup_log(str(root / 'automix.json'), AUTOMIX_CFG.format(seed=0), 0, [73, 80, 80.1],
                  val_key='acc_one_k_top1', online=[60, 70, 71])
    samix = AUTOMIX_CFG.replace("lam_concat=False,", "lam_mul=True,\n        lam_mul_k=0.25,"
                                "\n        x_qk_concat=True,")
    openmixup_log(str(root / 'sub' / 'samix'), samix.format(seed=0), 0, [74, 81, 81.2],
                  val_key='acc_one_k_top1', online=[60, 70, 71])
    openmixup_log(str(root / 'mystery.log.json'), 'lr = 0.1\nseed = 0\n', 0, [1, 2, 3])
    (root / 'notes.json').write_text('{"a": 1}\n{"b": 2}\n')
    (root / 'readme.txt').write_text('published logs of the CIFAR-100 benchmark\n')
    t = tool()
    skipped = []
    runs = t.find_runs([str(root)], skipped)
    rows = {r['method']: r for r in t.summarise(runs, last=1)}
    assert set(rows) == {'mixup', 'cutmix', 'puzzlemix', 'AutoMix', 'SAMix',
                         'mystery.log.json'}
    for mode, last in (('mixup', 78.5), ('cutmix', 79.4), ('puzzlemix', 79.9)):
        assert rows[mode]['n'] == 2 and not rows[mode]['notes']
        assert rows[mode]['median_top1'][0] == pytest.approx(last + 0.2)   # seeds 0, 1
    assert rows['AutoMix']['median_top1'][0] == 80.1
    assert rows['SAMix']['median_top1'][0] == 81.2
    assert rows['mystery.log.json']['n'] == 0
    assert 'method unknown' in rows['mystery.log.json']['notes'][0]
    reasons = dict((osp.basename(p), why) for p, why in skipped)
    assert set(reasons) == {'notes.json', 'readme.txt'}
    assert 'JSON lines without' in reasons['notes.json']
    assert 'not JSON' in reasons['readme.txt']
    text = t.markdown(list(rows.values()), 1, 'T', skipped=skipped)
    assert '`' + str(root / 'readme.txt') + '`: line 1 is not JSON' in text


def test_paired_differences_against_a_hand_computation(tmp_path):
    root = str(tmp_path)
    fake_mmengine_run(root, 'automix', 0, [80.0, 85.0])
    fake_mmengine_run(root, 'automix', 1, [80.0, 86.0])
    fake_mmengine_run(root, 'automix', 2, [80.0, 84.5])
    fake_mmengine_run(root, 'mixup', 0, [79.0, 84.0])      # AutoMix − Mixup: 1.0
    fake_mmengine_run(root, 'mixup', 1, [79.0, 84.5])      # 1.5
    fake_mmengine_run(root, 'mixup', 2, [79.0, 83.0])      # 1.5
    fake_mmengine_run(root, 'vanilla', 0, [79.0, 86.0])    # -1.0
    fake_mmengine_run(root, 'vanilla', 1, [79.0, 85.0])    # +1.0
    fake_mmengine_run(root, 'onlyseed7', 7, [79.0, 85.0])
    t = tool()
    rows = {r['method']: r for r in t.paired(t.summarise(t.find_runs([root]), last=1),
                                             'automix')}
    p = rows['mixup']['paired']
    assert p['diffs'] == pytest.approx([1.0, 1.5, 1.5]) and p['seeds'] == [0, 1, 2]
    assert p['mean'] == pytest.approx(4 / 3) and p['min'] == 1.0 and p['max'] == 1.5
    assert p['std'] == pytest.approx(statistics.stdev([1.0, 1.5, 1.5]))
    # 95 %: 4/3 ± t(0.975, 2 df) 4.30265 × 0.28868 / √3 = 4/3 ± 0.71711
    assert (p['low'], p['high']) == pytest.approx((0.61622, 2.05044), abs=1e-4)
    assert p['verdict'] == 'ahead'
    p = rows['vanilla']['paired']      # 0 ± 12.706 × √2 / √2
    assert p['diffs'] == pytest.approx([-1.0, 1.0]) and p['verdict'] == 'level'
    assert (p['low'], p['high']) == pytest.approx((-12.7062, 12.7062), abs=1e-4)
    assert 'no seed in common' in rows['onlyseed7']['paired']['problem']
    text = t.markdown(list(rows.values()), 1, 'T', reference='automix')
    assert '+1.33 [+0.62, +2.05] (ahead); seeds +1.00 / +1.50 / +1.50' in text
    with pytest.raises(KeyError, match="--paired-to 'AutoMix': no such method"):
        t.paired(list(rows.values()), 'AutoMix')


def test_a_schedule_that_ends_before_training_is_marked(tmp_path):
    root = str(tmp_path)
    good = fake_mmengine_run(root, 'cos', 0, [80.0, 81.0])
    bad = fake_mmengine_run(root, 'cos', 1, [80.0, 82.0])
    for work, sched in ((good, "dict(type='CosineAnnealingLR', by_epoch=True)"),
                        (bad, "dict(type='CosineAnnealingLR', by_epoch=True, T_max=1)")):
        with open(osp.join(work, 'cos.py'), 'a') as f:
            f.write(f'param_scheduler = [{sched}]\n')
    t = tool()
    row = t.summarise(t.find_runs([root]), last=1)[0]
    assert row['n'] == 1 and row['median_top1'][0] == 81.0
    assert 'seed 1: the cosine schedule ends at epoch 1 but train_cfg.max_epochs=2' in \
        row['notes'][0]


def test_a_table_over_other_training_data_is_marked(tmp_path):
    root = str(tmp_path)
    a = fake_mmengine_run(root, 'automix', 0, [80.0])
    b = fake_mmengine_run(root, 'mixup', 0, [79.0])
    for work, n in ((a, 2000), (b, 5000)):
        with open(osp.join(work, osp.basename(osp.dirname(work)) + '.py'), 'a') as f:
            f.write(f"train_dataloader = dict(dataset=dict(type='OfflineFashionMNIST', "
                    f"num_samples={n}, subset_seed=0))\n")
    t = tool()
    rows = {r['method']: r for r in t.paired(t.summarise(t.find_runs([root]), last=1),
                                             'automix')}
    assert 'other training data than automix' in rows['mixup']['paired']['problem']
    assert 'mixes training data' in ' '.join(rows['mixup']['notes'])
    assert 'num_samples=5000' in ' '.join(rows['mixup']['notes'])


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
    # progress: each run's place in the queue, an ETA once one has finished
    assert '[table] queue: run 1 of 2 (0 done before, skipped); 0 trained' in proc.stdout
    assert 'ETA unknown until a run finishes (2 to go)' in proc.stdout
    assert '[table] queue: run 2 of 2 (0 done before, skipped); 1 trained in' in proc.stdout
    assert proc.stdout.count('[table] finished ') == 2 and 'for 1 more' in proc.stdout
    again = subprocess.run(run, capture_output=True, text=True, timeout=900)
    assert again.stdout.count('skipping (finished before)') == 2   # nothing trained twice
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
        with open(osp.join(run_rec['source'], 'run.json')) as f:
            marker = json.load(f)   # the peak RSS the run's wrapper measured
        assert run_rec['seed'] == 0 and run_rec['peak_mem_mb'] == marker['peak_rss_mb']
        assert 100 < marker['peak_rss_mb'] < 24 * 1024   # a torch process on this host
    md = open(out + '.md').read()
    for r in table['methods']:
        assert f'| {r["method"]} | 1 | {r["median_top1"][0]:.2f} ± 0.00 |' in md
    # the archive (no checkpoints) collects to the same cells and continues the table
    archive = tmp_path / 'archive'
    subprocess.run([sys.executable, TOOL, 'archive', str(tmp_path / 'runs'), str(archive)],
                   check=True, capture_output=True, timeout=120)
    assert not list(archive.rglob('*.pth'))
    again = tool()
    cells = {r['method']: r['median_top1'] for r in again.summarise(
        again.find_runs([str(archive)]), last=1)}
    assert cells == {r['method']: tuple(r['median_top1']) for r in table['methods']}
    rerun = [c if c != str(tmp_path / 'runs') else str(archive) for c in run]
    proc = subprocess.run(rerun, capture_output=True, text=True, timeout=900)
    assert proc.stdout.count('skipping (finished before)') == 2
    assert_picture(out + '_curves.png')
    assert_picture(out + '_cost.png')


def test_recipe_digest_ignores_what_does_not_change_training(tmp_path):
    """A regime config and its 4-epoch sibling given the same data and schedule by
    --cfg-options train the same (validation leaves ExactResumeEpochBasedTrainLoop's
    random stream alone): one recipe. Another subset size is another recipe."""
    from mmengine.config import Config
    folder = osp.join(REPO, 'configs/mixups/fashion_mnist')
    regime = Config.fromfile(osp.join(folder, 'resnet18-w16_1xb100-mixup-100e_fmnist2k.py'))
    short = Config.fromfile(osp.join(folder, 'resnet18-w16_1xb100-mixup-4e_fmnist.py'))
    short.merge_from_dict({'train_dataloader.dataset.num_samples': 2000,
                           'train_dataloader.num_workers': 0, 'train_cfg.max_epochs': 100,
                           'train_cfg.val_interval': 10,
                           'train_cfg.dynamic_intervals': [(90, 1)]})
    paths = []
    for name, cfg in (('regime', regime), ('search', short)):
        paths.append(str(tmp_path / f'{name}.py'))
        cfg.dump(paths[-1])
    t = tool()
    assert t._recipe_digest(paths[0]) == t._recipe_digest(paths[1])
    short.merge_from_dict({'train_dataloader.dataset.num_samples': 1000})
    short.dump(paths[1])
    assert t._recipe_digest(paths[0]) != t._recipe_digest(paths[1])


def test_seeds_that_validated_at_other_epochs_are_averaged(tmp_path):
    """How often a run validated does not change what it trained: two seeds that end at
    the same epoch, one validated every epoch and one only at the last two, average."""
    root = str(tmp_path)
    fake_mmengine_run(root, 'm', 0, [70.0, 80.0, 85.0, 86.0])
    work = fake_mmengine_run(root, 'm', 1, [10.0, 88.0], max_epochs=4)
    log = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))[0]
    lines = open(log).read().splitlines()
    recs = [json.loads(x) for x in lines]
    for rec, step in zip([r for r in recs if 'accuracy/top1' in r], (3, 4)):
        rec['step'] = step
    with open(log, 'w') as f:
        f.write('\n'.join(json.dumps(r) for r in recs) + '\n')
    t = tool()
    runs = t.find_runs([root])
    assert sorted(r['epochs'][-1] for r in runs) == [4, 4]
    row = t.summarise(runs, last=1)[0]
    assert row['n'] == 2 and row['median_top1'][0] == 87.0 and not row['notes']
    t.plots(runs, [row], str(tmp_path / 'p'))      # curves over the epochs both have
    assert_picture(str(tmp_path / 'p_curves.png'))


def test_step_cost_column_and_picture_come_from_benchmark_configs(tmp_path):
    """collect --step-cost: each row shows its config's step-time ratio measured by
    tools/benchmark_configs.py (a row without one shows –), the JSON keeps it, and the
    cost picture is drawn from it."""
    root = str(tmp_path / 'runs')
    fake_mmengine_run(root, 'automix', 0, [80.0, 85.0], online=[70.0, 71.0])
    fake_mmengine_run(root, 'mixup', 0, [79.0, 84.0])
    fake_mmengine_run(root, 'cutmix', 0, [79.0, 84.5])
    cost = tmp_path / 'cost.json'
    cost.write_text(json.dumps(dict(reference='mixup', configs=dict(
        mixup=dict(x_ref=1.0), automix=dict(x_ref=2.9312)))))
    out = str(tmp_path / 'table')
    assert tool().main(['collect', root, '--out', out, '--step-cost', str(cost)]) == 0
    lines = open(out + '.md').read().splitlines()
    head = lines[2].split(' | ')
    col = head.index('step time x mixup')
    cells = {ln.split(' | ')[0].lstrip('| '): ln.split(' | ')[col] for ln in lines[4:7]}
    assert cells == {'automix': '2.93', 'mixup': '1.00', 'cutmix': '–'}
    saved = json.load(open(out + '.json'))
    assert saved['step_cost_reference'] == 'mixup'
    assert {m['method']: m['step_cost'] for m in saved['methods']} == \
        {'automix': 2.9312, 'mixup': 1.0, 'cutmix': None}
    assert_picture(out + '_cost.png')


def test_step_costs_of_several_files_with_one_reference_are_read_as_one(tmp_path):
    """A config timed in a later benchmark_configs run (same reference) joins the column;
    a file timed against another reference is refused, naming both references."""
    root = str(tmp_path / 'runs')
    for method in ('automix', 'mixup', 'automix-fast'):
        fake_mmengine_run(root, method, 0, [80.0, 85.0])
    first, later, other = (tmp_path / f'{n}.json' for n in ('first', 'later', 'other'))
    first.write_text(json.dumps(dict(reference='mixup', configs=dict(
        mixup=dict(x_ref=1.0), automix=dict(x_ref=3.2)))))
    later.write_text(json.dumps(dict(reference='mixup', configs=dict(
        mixup=dict(x_ref=1.0), automix=dict(x_ref=3.0), **{'automix-fast': dict(x_ref=1.7)}))))
    other.write_text(json.dumps(dict(reference='vanilla', configs=dict(
        vanilla=dict(x_ref=1.0)))))
    out = str(tmp_path / 'table')
    assert tool().main(['collect', root, '--out', out, '--step-cost', str(first),
                        str(later)]) == 0
    saved = json.load(open(out + '.json'))
    # automix keeps the first file's ratio; the later file adds the config it alone timed
    assert {m['method']: m['step_cost'] for m in saved['methods']} == \
        {'automix': 3.2, 'mixup': 1.0, 'automix-fast': 1.7}
    with pytest.raises(SystemExit, match=r'other\.json is a ratio to vanilla.*to mixup'):
        tool().main(['collect', root, '--out', out, '--step-cost', str(first), str(other)])


def test_picture_labels_drop_what_every_name_shares():
    t = tool()
    names = ['resnet18-w16_1xb100-cutmix-100e_fmnist2k', 'resnet18-w16_1xb100-100e_fmnist2k',
             'automix_resnet18-w16_1xb100-oneq0-every2-100e_fmnist2k',
             'samix_resnet18-w16_1xb100-100e_fmnist2k']
    assert t.short_names(names) == {
        names[0]: 'cutmix', names[1]: 'resnet18-w16_1xb100', names[2]: 'automix-oneq0-every2',
        names[3]: 'samix'}
    assert t.short_names(['automix', 'mixup']) == {'automix': 'automix', 'mixup': 'mixup'}


def test_summary_writes_the_two_reference_table_between_its_markers(tmp_path):
    """summary: from two collected tables of the same runs (paired to vanilla, paired to
    AutoMix), the compact table with hand-computed cells — a paired mean with its 95 %
    interval and verdict on 2 and 3 seeds, '(1 seed)' with one — written between the
    markers of a markdown file whose other lines stay as they were; --per-seed gives
    each seed's differences."""
    root = str(tmp_path / 'runs')
    for method, values in (('vanilla', (85.0, 85.5, 84.0)), ('automix', (86.0, 87.0, 86.5)),
                           ('mixup', (85.5, 86.5)), ('cutmix', (86.2, ))):
        for seed, top1 in enumerate(values):
            fake_mmengine_run(root, method, seed, [80.0, top1])
    t = tool()
    for ref, out in (('vanilla', 'a'), ('automix', 'b')):
        assert t.main(['collect', root, '--out', str(tmp_path / out), '--paired-to', ref]) == 0
    labels = tmp_path / 'labels.json'
    labels.write_text(json.dumps(dict(automix='AutoMix')))
    doc = tmp_path / 'README.md'
    doc.write_text('intro\n<!-- table: generated -->\nold row\n<!-- /table -->\nafter\n')
    args = ['summary', str(tmp_path / 'a.json'), str(tmp_path / 'b.json'), '--labels',
            str(labels), '--into', str(doc), '--marker', 'table']
    assert t.main(args) == 0
    lines = doc.read_text().splitlines()
    assert lines[:2] == ['intro', '<!-- table: generated -->'] and lines[-2:] == [
        '<!-- /table -->', 'after']
    # automix − vanilla +1.0, +1.5, +2.5: 1.667 ± 4.3027 × 0.7638 / √3 = ± 1.897;
    # mixup − vanilla +0.5, +1.0: 0.75 ± 12.706 × 0.3536 / √2 = ± 3.177; automix − mixup
    # +0.5, +0.5: no spread, so the interval is the point and excludes 0
    assert lines[2:8] == [
        '| method | seeds | top-1 % | minus vanilla, paired [95 %] | '
        'AutoMix minus method, paired [95 %] |',
        '|---|---|---|---|---|',
        '| **AutoMix** | 3 | 86.50 ± 0.50 | +1.67 [-0.23, +3.56] (level) | – |',
        '| cutmix | 1 | 86.20 | +1.20 (1 seed) | -0.20 (1 seed) |',
        '| mixup | 2 | 86.00 ± 0.71 | +0.75 [-2.43, +3.93] (level) | '
        '+0.50 [+0.50, +0.50] (ahead) |',
        '| vanilla | 3 | 84.83 ± 0.76 | – | +1.67 [-0.23, +3.56] (level) |']
    assert t.main(args + ['--per-seed']) == 0
    rows = doc.read_text().splitlines()[4:8]
    assert rows[0] == ('| **AutoMix** | 86.00 / 87.00 / 86.50 | 86.50 ± 0.50 | +1.00 / +1.50 / '
                       '+2.50 | +1.67 [-0.23, +3.56] (level) | – | – |')
    assert rows[2] == ('| mixup | 85.50 / 86.50 / – | 86.00 ± 0.71 | +0.50 / +1.00 / – | '
                       '+0.75 [-2.43, +3.93] (level) | +0.50 / +0.50 / – | '
                       '+0.50 [+0.50, +0.50] (ahead) |')
    # --methods: the compact table keeps the named rows only, same cells
    assert t.main(args + ['--methods', 'automix', 'vanilla']) == 0
    assert doc.read_text().splitlines()[4:6] == [
        '| **AutoMix** | 3 | 86.50 ± 0.50 | +1.67 [-0.23, +3.56] (level) | – |',
        '| vanilla | 3 | 84.83 ± 0.76 | – | +1.67 [-0.23, +3.56] (level) |']
    assert doc.read_text().splitlines()[6] == '<!-- /table -->'
    with pytest.raises(SystemExit, match=r"--methods \['nosuch'\] are not in the tables"):
        t.main(args + ['--methods', 'nosuch'])
    doc.write_text('no markers\n')
    with pytest.raises(SystemExit, match=r'no <!-- table --> \.\.\. <!-- /table --> block'):
        t.main(args)


METAFILE = """Models:
- Name: automix
  Config: configs/automix.py
  Metadata:
    Notes: AutoMix
  Results:
  - Task: Image Classification
    Dataset: Fashion-MNIST
    Metrics:
      Top 1 Accuracy: 50.01
    Notes: 'measured by mmautomix: an old seed note'
- Name: mixup
  Config: configs/mixup.py
  Metadata:
    Notes: Mixup's recipe
  Results:
  - Task: Image Classification
    Dataset: Fashion-MNIST
    Metrics:
      Top 1 Accuracy: 50.02
    Notes: 'old'
- Name: cutmix
  Config: configs/cutmix.py
  Metadata:
    Notes: CutMix, no Results block
"""


def test_results_writes_each_methods_metafile_entry_from_the_tables(tmp_path):
    """results: each method's Top 1 Accuracy and note in its metafile Results block equal
    a hand computation from the runs (seeds, std, both paired differences with their
    verdicts; 'on the same seed' with one seed); an entry without a Results block and a
    method without an entry are listed and left; every other line stays as it was."""
    import yaml
    root = str(tmp_path / 'runs')
    for method, values in (('vanilla', (85.0, 85.5, 84.0)), ('automix', (86.0, 87.0, 86.5)),
                           ('mixup', (85.5, 86.5, 85.0)), ('cutmix', (86.2, ))):
        for seed, top1 in enumerate(values):
            online = [70.0, 71.0] if method == 'automix' else None
            fake_mmengine_run(root, method, seed, [80.0, top1], online=online)
    t = tool()
    for ref, out in (('vanilla', 'a'), ('automix', 'b')):
        assert t.main(['collect', root, '--out', str(tmp_path / out), '--paired-to', ref]) == 0
    meta = tmp_path / 'metafile.yml'
    meta.write_text(METAFILE)
    labels = tmp_path / 'labels.json'
    labels.write_text(json.dumps(dict(automix='AutoMix')))
    assert t.main(['results', str(tmp_path / 'a.json'), str(tmp_path / 'b.json'),
                   '--metafiles', str(meta), '--labels', str(labels), '--evaluated-on',
                   "the 10,000 test images", '--cite', "docs/x.md"]) == 0
    models = {e['Name']: e for e in yaml.safe_load(meta.read_text())['Models']}
    automix = models['automix']['Results'][0]
    assert automix['Metrics']['Top 1 Accuracy'] == 86.5
    # automix − vanilla per seed: +1.0, +1.5, +2.5 → 1.67 ± 4.3027 × 0.7638 / √3
    assert automix['Notes'] == (
        'measured by mmautomix: mean of 3 seeds (86.00, 87.00, 86.50; std 0.50), median of '
        'the last 1 validations on the 10,000 test images, EMA model θ_k; +1.67 on vanilla '
        'paired by seed (95 % interval [-0.23, +3.56], 3 seeds: level) (docs/x.md)')
    mixup = models['mixup']['Results'][0]
    assert mixup['Metrics']['Top 1 Accuracy'] == 85.67
    # mixup − vanilla: +0.5, +1.0, +1.0 (0.83 ± 4.3027 × 0.2887 / √3 = ± 0.72: ahead);
    # automix − mixup: +0.5, +0.5, +1.5 (0.83 ± 4.3027 × 0.5774 / √3 = ± 1.43: level)
    assert mixup['Notes'] == (
        'measured by mmautomix: mean of 3 seeds (85.50, 86.50, 85.00; std 0.76), median of '
        'the last 1 validations on the 10,000 test images; +0.83 on vanilla paired by seed '
        '(95 % interval [+0.12, +1.55], 3 seeds: ahead); AutoMix minus it +0.83 paired by '
        'seed (95 % interval [-0.60, +2.27], 3 seeds: level) (docs/x.md)')
    assert 'Results' not in models['cutmix']
    # every line but the two of each written entry as it was
    changed = [(a, b) for a, b in zip(METAFILE.splitlines(), meta.read_text().splitlines())
               if a != b]
    assert len(changed) == 4 and len(meta.read_text().splitlines()) == len(
        METAFILE.splitlines())
    one = t.results_note(
        *[{r['method']: r for r in json.load(open(tmp_path / f'{x}.json'))['methods']}[
            'cutmix'] for x in 'ab'], {}, 'vanilla', 'automix', 1, 'the test set', 'd.md')
    assert one == ('measured by mmautomix: seed 0 only (86.20), median of the last 1 '
                   'validations on the test set; +1.20 on vanilla on the same seed (1 seed: '
                   'no interval); automix minus it -0.20 on the same seed (1 seed: no '
                   'interval) (d.md)')


def test_point_labels_at_one_place_are_moved_apart():
    """The cost picture's labels of methods at nearly the same cost and top-1 end up
    not overlapping; a label with room keeps its place."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    for name, xy in (('automix', (5, 5)), ('automix-lamcat', (5.01, 5.0)),
                     ('automix-switch08', (5.0, 5.01)), ('alone', (1, 1))):
        ax.annotate(name, xy, xytext=(4, 4), textcoords='offset points')
    tool()._separate_labels(fig, ax)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert ax.texts[3].get_position() == (4, 4)
    plt.close(fig)


def test_queue_progress_by_hand():
    """The ETA is the mean wall time of the runs trained so far times the runs left."""
    t = tool()
    assert t.queue_progress(3, 5, 4, [600.0, 900.0], 1510.0) == (
        '[table] queue: run 3 of 5 (4 done before, skipped); 2 trained in 0:25:00, '
        'elapsed 0:25:10, ETA 0:37:30 for 3 more')
    assert t.queue_progress(1, 2, 0, [], 0.4) == (
        '[table] queue: run 1 of 2 (0 done before, skipped); 0 trained in 0:00:00, '
        'elapsed 0:00:00, ETA unknown until a run finishes (2 to go)')
