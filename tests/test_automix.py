"""AutoMix classifier: gradient routing, staged backward, EMA, momentum, bad input."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

from mmautomix.core.ema import momentum_at
from mmautomix.models.step_state import STATE_FIELDS
from mmautomix.registry import MODELS


def tiny_cfg(**kw):
    cfg = dict(
        type='AutoMix',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                      out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=64,
                  loss=dict(type='CrossEntropyLoss')),
        mix_block=dict(type='PixelMixBlock', in_channels=32, lam_concat=True,
                       mask_loss_margin=0.0),
        alpha=2.0, mask_layer=2, mask_loss_weight=0.1, lam_margin=-1)
    cfg.update(kw)
    return cfg


def build(**kw):
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(**kw))
    model.init_weights()
    return model


def batch(n=6, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, size, size, generator=g)
    samples = [DataSample().set_gt_label(int(i) % 5) for i in range(n)]
    return x, samples


def seeded_loss(model, x, samples, seed=1):
    torch.manual_seed(seed)
    np.random.seed(seed)
    return model.loss(x, samples)


GROUPS = ('backbone_q', 'head_q', 'head_mix_q', 'mix_block', 'backbone', 'head', 'head_mix')


def grads_by_group(model):
    got = set()
    for name, p in model.named_parameters():
        if p.grad is not None and p.grad.abs().sum() > 0:
            got.add(name.split('.')[0])
    return got


@pytest.mark.parametrize('key,expected', [
    ('loss_mix_k', {'mix_block'}),
    ('loss_mask', {'mix_block'}),
    ('loss_one_q', {'backbone_q', 'head_q'}),
    ('loss_mix_q', {'backbone_q', 'head_mix_q'}),
])
def test_gradient_routing(key, expected):
    model = build()
    model.train()
    x, samples = batch()
    losses = seeded_loss(model, x, samples)
    assert set(k for k in losses if k.startswith('loss')) == {
        'loss_mix_k', 'loss_mask', 'loss_one_q', 'loss_mix_q'}
    model.zero_grad()
    losses[key].backward()
    assert grads_by_group(model) == expected
    for group in ('backbone', 'head', 'head_mix'):   # θ_k never gets a gradient
        assert all(p.grad is None for p in getattr(model, group).parameters())


def test_mix_block_has_every_parameter_trained():
    model = build()
    model.train()
    x, samples = batch()
    losses = seeded_loss(model, x, samples)
    (losses['loss_mix_k'] + losses['loss_mask']).backward()
    for name, p in model.mix_block.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def _one_step(model, staged, x, samples):
    model.staged_backward = staged
    wrapper = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.5))
    torch.manual_seed(3)
    np.random.seed(3)
    data = dict(inputs=x, data_samples=samples)
    return model.train_step(data, wrapper)


def test_staged_backward_equals_summed_loss():
    a = build()
    b = copy.deepcopy(a)
    x, samples = batch()
    log_a = _one_step(a, True, x, samples)
    log_b = _one_step(b, False, x, samples)
    assert float(log_a['loss']) == pytest.approx(float(log_b['loss'].detach()), rel=1e-5)
    for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6, msg=name)
    for (name, ba), bb in zip(a.named_buffers(), b.buffers()):
        torch.testing.assert_close(ba.float(), bb.float(), rtol=1e-5, atol=1e-6, msg=name)
    # and the step really changed the online model and the Mix Block
    c = build()
    assert not torch.allclose(a.backbone_q.conv1.weight, c.backbone_q.conv1.weight)
    assert not torch.allclose(a.mix_block.query.weight, c.mix_block.query.weight)
    torch.testing.assert_close(a.backbone.conv1.weight, c.backbone.conv1.weight)


def test_init_copies_online_to_ema():
    model = build()
    for q, k in ((model.backbone_q, model.backbone), (model.head_q, model.head),
                 (model.head_mix_q, model.head_mix)):
        for pq, pk in zip(q.parameters(), k.parameters()):
            assert torch.equal(pq, pk)
            assert pq.requires_grad and not pk.requires_grad


def test_ema_updates_parameters_not_buffers():
    model = build()
    with torch.no_grad():
        for p in model.backbone_q.parameters():
            p.add_(1.0)
        model.backbone.norm1.running_mean.fill_(7.0)
        model.backbone_q.norm1.running_mean.fill_(-3.0)
    k_before = model.backbone.conv1.weight.clone()
    q = model.backbone_q.conv1.weight.clone()
    model.momentum = 0.9
    model.momentum_update()
    torch.testing.assert_close(model.backbone.conv1.weight, 0.9 * k_before + 0.1 * q)
    assert torch.all(model.backbone.norm1.running_mean == 7.0)   # θ_k keeps its BN stats
    model.momentum = 1.0
    before = model.backbone.conv1.weight.clone()
    model.momentum_update()
    assert torch.equal(model.backbone.conv1.weight, before)


def test_momentum_schedule_matches_reference():
    total = 100000
    want = {0: 0.999, 10: 0.99902445, 25: 0.99914630, 50: 0.99949950, 75: 0.99985270,
            100: 0.999999}
    for pct, m in want.items():
        assert momentum_at(total * pct // 100, total, 0.999, 0.999999) == pytest.approx(
            m, abs=1e-8), pct
    # before the cosine phase m stays at the base value
    assert momentum_at(total // 20, total, 0.999, 0.999999) == 0.999
    # ImageNet-type m_end
    assert momentum_at(total // 2, total, 0.999, 0.99999) == pytest.approx(0.99949500, abs=1e-8)


def test_predict_uses_ema_and_reports_online():
    model = build()
    model.eval()
    with torch.no_grad():
        model.head.fc.weight.zero_()
        model.head.fc.bias.copy_(torch.tensor([0., 0., 9., 0., 0.]))
    x, samples = batch(n=3)
    out = model.predict(x, samples)
    assert all(int(s.pred_label) == 2 for s in out)          # EMA head decides
    assert all('pred_score_other' in s for s in out)         # online scores attached
    assert not torch.allclose(out[0].pred_score, out[0].pred_score_other)
    model.predict_online = True
    out = model.predict(x, batch(n=3)[1])
    assert torch.allclose(out[0].pred_score_other[2], torch.tensor(1.0), atol=1e-3)


@pytest.mark.parametrize('margin', [0.5, -1.0])
def test_lam_margin_makes_plain_mixup(margin):
    """With every λ_bb within the margin, x_bb is the constant-λ mix; the Mix Block still
    runs twice, as officially (its M_bb is made, then replaced); with the margin off x_bb
    is not that mix."""
    model = build(lam_margin=margin)
    model.train()
    calls, x_bbs = [], []
    model.mix_block.register_forward_hook(lambda m, a, o: calls.append(o))
    model.backbone_q.register_forward_pre_hook(lambda m, a: x_bbs.append(a[0]))
    x, samples = batch()
    seeded_loss(model, x, samples)
    np.random.seed(1)
    torch.manual_seed(1)
    lam_mb, lam_bb = np.random.beta(2.0, 2.0, 2)
    torch.randperm(6)
    idx_bb = torch.randperm(6)
    plain = lam_bb * x + (1 - lam_bb) * x[idx_bb]
    x_bb = x_bbs[-1]                # θ_q sees x, then x_bb
    assert len(calls) == 2
    if margin > 0:
        torch.testing.assert_close(x_bb, plain)
    else:
        assert not torch.allclose(x_bb, plain, atol=1e-4)


@pytest.mark.parametrize('kw,match', [
    (dict(alpha=0), r'model.alpha=0'),
    (dict(alpha=-1.0), r'model.alpha=-1.0'),
    (dict(mask_layer=4), r'model.mask_layer=4'),
    (dict(mix_block=dict(type='PixelMixBlock', in_channels=99)),
     r'mix_block.in_channels=99.*32'),
    (dict(mask_scale=0), r'model.mask_scale=0'),
    (dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.))), 'train_cfg.augments'),
    (dict(head=dict(type='LinearClsHead', num_classes=5, in_channels=64,
                    loss=dict(type='CrossEntropyLoss', use_soft=True))),
     r'model.head.loss.use_soft=True: AutoMix gives its one-hot head hard labels'),
])
def test_bad_config_fails_at_build(kw, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(tiny_cfg(**kw))


@pytest.mark.parametrize('shape,kw,match', [
    ((1, 3, 16, 16), {}, 'batch_size >= 2'),   # loss(): the DDP path cannot skip
    ((4, 3, 16, 12), {}, 'square inputs of even size: got 16x12'),
    ((4, 3, 18, 18), {}, r'model.mask_scale'),
    ((4, 3, 15, 15), {}, 'square inputs of even size: got 15x15'),
    ((4, 3, 16, 16), dict(mask_scale=3), r'model.mask_scale.*scale 3 gives 12x12'),
])
def test_bad_input_fails_at_first_iteration(shape, kw, match):
    model = build(**kw)
    model.train()
    x = torch.randn(*shape)
    samples = [DataSample().set_gt_label(0) for _ in range(shape[0])]
    with pytest.raises(ValueError, match=match):
        model.loss(x, samples)


def test_nonfinite_loss_is_never_trained_on():
    model = build(max_nonfinite=2)
    x, samples = batch()
    x[0, 0, 0, 0] = float('nan')
    before = [t.clone() for t in list(model.parameters()) + list(model.buffers())]
    with pytest.warns(UserWarning, match='non-finite'):
        log = _one_step(model, True, x, samples)
    assert log == {'nonfinite_steps': 1.0}
    after = list(model.parameters()) + list(model.buffers())
    assert all(torch.equal(a, b) for a, b in zip(after, before))   # nothing learnt from NaN
    with pytest.raises(FloatingPointError, match='non-finite'):
        _one_step(model, True, x, samples)
    with pytest.raises(FloatingPointError, match='non-finite'):
        seeded_loss(build(), x, samples)


def test_mask_loss_weight_true_cosine_and_official_compounding():
    from mmautomix.engine import MaskLossCosineHook
    hook = MaskLossCosineHook(start=0.1, end=0.0)
    assert hook.value_at(0, 1000, 0.1) == pytest.approx(0.1)
    assert hook.value_at(500, 1000, 0.07) == pytest.approx(0.05)   # ignores the current value
    assert hook.value_at(1000, 1000, 0.0) == pytest.approx(0.0)
    # compound=True reproduces the official hook (docs/method.md §4.3): ImageNet R50 100 ep,
    # 5,004 iterations per epoch: η < 0.01 after ~1.8 epochs, < 1e-3 after ~2.2 epochs
    official = MaskLossCosineHook(start=0.1, end=0.0, compound=True)
    total, eta, below = 500400, 0.1, {}
    for t in range(total // 20):
        eta = official.value_at(t, total, eta)
        for thr in (1e-2, 1e-3):
            if eta < thr and thr not in below:
                below[thr] = t / 5004
    assert below[1e-2] == pytest.approx(1.8, abs=0.1)
    assert below[1e-3] == pytest.approx(2.2, abs=0.1)


def test_every_config_has_a_metafile_entry_and_results_are_ours():
    """model-index.yml names every config under configs/, each once, and a ``Results``
    entry is only where mmautomix measured it (the authors' numbers live in
    docs/reported_results.md, never in Results)."""
    import glob
    import json
    import os.path as osp

    import yaml

    from conftest import REPO
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    entries = []
    for path in index['Import']:
        with open(osp.join(REPO, path)) as f:
            entries += yaml.safe_load(f)['Models']
    listed = [e['Config'] for e in entries]
    configs = {osp.relpath(p, REPO) for p in
               glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
               if '/_base_/' not in p}
    assert sorted(listed) == sorted(configs)          # every config, each once
    assert len({e['Name'] for e in entries}) == len(entries)
    # every measured top-1 is a mean of a committed benchmark table (its JSON), rounded
    measured = {}
    for path in glob.glob(osp.join(REPO, 'docs', 'benchmarks', '*.json')):
        with open(path) as f:
            table = json.load(f)
        if isinstance(table, dict) and 'methods' in table:
            for m in table['methods']:
                if m.get('median_top1') and m['median_top1'][0] is not None:
                    measured.setdefault(m['method'], set()).add(round(m['median_top1'][0], 2))
    for e in entries:
        for r in e.get('Results', []):
            assert 'measured by mmautomix' in r['Notes'] and 'seed' in r['Notes'], e['Name']
            assert r['Metrics']['Top 1 Accuracy'] in measured.get(e['Name'], ()), (
                e['Name'], r['Metrics']['Top 1 Accuracy'], measured.get(e['Name']))


@pytest.mark.parametrize('staged,truncate', [(True, True), (False, True), (True, False)])
def test_each_network_pass_runs_once_per_step(staged, truncate):
    """No tensor computed twice: per step θ_k's stages up to ``mask_layer`` run twice
    (clean x, x_mb) and the last stage once (x_mb; twice with the full clean pass),
    θ_q's stages twice (x, x_bb), and the Mix Block projects z once for both masks."""
    model = build(truncate_clean_pass=truncate)
    calls = {}

    def counter(name):
        def hook(module, args, out):
            calls[name] = calls.get(name, 0) + 1
        return hook

    for net, tag in ((model.backbone, 'k'), (model.backbone_q, 'q')):
        for i, layer in enumerate(net.res_layers):
            getattr(net, layer).register_forward_hook(counter(f'{tag}{i}'))
    project = model.mix_block.project

    def counted_project(z):
        calls['project'] = calls.get('project', 0) + 1
        return project(z)

    model.mix_block.project = counted_project
    x, samples = batch()
    _one_step(model, staged, x, samples)
    last = 1 if truncate else 2
    assert calls == {'k0': 2, 'k1': 2, 'k2': 2, 'k3': last,
                     'q0': 2, 'q1': 2, 'q2': 2, 'q3': 2, 'project': 1}


def test_mask_statistics_are_logged_from_the_step_masks():
    """The logged mask statistics equal a direct computation on the step's recorded
    Mix Block masks: within-mask spatial std and |mean(M_j) − (1 − λ)|, sample means."""
    model = build()
    for p in model.mix_block.parameters():   # a non-flat mask
        p.data.normal_(0, 0.5)
    model.train()
    model.record_mix = True
    block, entropies = model.mix_block, []
    forward = block.forward

    def recording_forward(*args, **kwargs):     # the attention entropy of every call
        out = forward(*args, **kwargs)
        entropies.append(float(block.last_attention_entropy))
        return out

    block.forward = recording_forward
    x, samples = batch()
    losses = seeded_loss(model, x, samples)
    rec = model.last_mix
    m_j = rec['mask'][:, 1].numpy().reshape(6, -1).astype(np.float64)
    std = np.mean([np.std(row, ddof=1) for row in m_j])
    err = np.mean(np.abs(m_j.mean(1) - (1 - rec['lam'])))
    assert std > 1e-3
    assert float(losses['mask_spatial_std']) == pytest.approx(std, rel=1e-5)
    assert float(losses['mask_lam_error']) == pytest.approx(err, rel=1e-5)
    # the entropy logged is that of M_mb's call (the first), not of M_bb's
    assert len(entropies) == 2 and entropies[0] != entropies[1]
    assert float(losses['mask_attn_entropy']) == entropies[0]


@pytest.mark.parametrize('predicted', ['ema', 'online'])
def test_accuracy_names_each_model(predicted):
    """Keys say which model they are, whichever model fills ``pred_score``."""
    from mmautomix.registry import METRICS
    metric = METRICS.build(dict(type='AutoMixAccuracy', topk=(1, ), predicted=predicted))
    right, wrong = torch.tensor([0.9, 0.1]), torch.tensor([0.1, 0.9])
    samples = [DataSample().set_gt_label(0).set_pred_score(right) for _ in range(3)]
    for s in samples:
        s.set_field(wrong, 'pred_score_other')
    metric.process(None, [s.to_dict() for s in samples])
    got = metric.evaluate(3)
    other = 'online' if predicted == 'ema' else 'ema'
    assert got == {f'accuracy_{predicted}/top1': 100.0, f'accuracy_{other}/top1': 0.0}
    with pytest.raises(ValueError, match="val_evaluator.predicted='k'"):
        METRICS.build(dict(type='AutoMixAccuracy', predicted='k'))


def test_every_automix_config_names_both_models_and_keeps_the_best_ema_checkpoint():
    import glob
    import os.path as osp

    from mmengine.config import Config

    from conftest import REPO
    paths = [p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
             if '_base_' not in p and 'mmdet::' not in open(p).read()]
    automix = [Config.fromfile(p) for p in paths]
    automix = [c for c in automix if c.model.get('type') in ('AutoMix', 'mmautomix.AutoMix',
                                                            'mmautomix.AdAutoMix')]
    assert len(automix) >= 15
    for cfg in automix:
        assert cfg.val_evaluator['type'] == 'AutoMixAccuracy', cfg.filename
        assert cfg.default_hooks.checkpoint.get('save_best') == 'accuracy_ema/top1', \
            cfg.filename


@pytest.mark.parametrize('name', [
    'automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py',
    'automix/cifar10/automix_resnext50-32x4d_1xb100-400e_cifar10.py',
    'mixups/fashion_mnist/resnet18-w16_1xb100-puzzlemix-4e_fmnist.py',
    'mixups/fashion_mnist/resnet18-w16_1xb100-fmix-4e_fmnist.py'])
def test_scoped_types_build_from_mmpretrains_scope(name):
    """``type='mmautomix.X'`` builds from any default scope (mmpretrain's ``get_model``
    builds in 'mmpretrain'), nested modules of ours (Mix Block, ResNeXt_CIFAR) included."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS

    from conftest import REPO
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    augments = cfg.model.get('train_cfg', {}).get('augments')
    # the configs spell our types with their scope
    assert cfg.model.type == 'ImageClassifier' or cfg.model.type.startswith('mmautomix.')
    assert not augments or augments.type.startswith('mmautomix.')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = PRETRAIN_MODELS.build(cfg.model)
    assert type(model).__module__.startswith(('mmautomix', 'mmpretrain'))
    if augments:
        aug = model.data_preprocessor.batch_augments.augments[0]
        assert type(aug).__name__ == augments.type.split('.')[-1]
    if hasattr(model, 'mix_block'):
        assert type(model.mix_block).__name__ == 'PixelMixBlock'


def test_mim_search_lists_our_models_with_only_our_results(tmp_path):
    import os.path as osp
    import subprocess

    from conftest import VENV_BIN
    mim = osp.join(VENV_BIN, 'mim')

    def search(name):
        proc = subprocess.run([mim, 'search', 'mmautomix', '--config', name], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    out = search('automix_resnet18-w16_1xb100-4e_fmnist')
    assert 'config id: automix_resnet18-w16_1xb100-4e_fmnist' in out
    assert 'top_1_accuracy  85.53' in out and 'its top-1 is measured by' in out
    out = search('automix_resnet18_1xb100-400e_cifar100')
    assert 'config id: automix_resnet18_1xb100-400e_cifar100' in out
    assert 'top_1_accuracy' not in out            # the authors' 81.78 is not ours


def test_nothing_cites_files_outside_the_repository():
    """A user's clone has no ../shared: code, configs and docs cite docs/ instead."""
    import subprocess

    from conftest import REPO
    files = subprocess.run(['git', 'ls-files'], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    citing = []
    for name in files:
        if name.endswith(('.py', '.md', '.yml', '.sh', '.txt')) and name != 'tests/test_automix.py':
            with open(f'{REPO}/{name}', encoding='utf-8') as f:
                if '../shared' in f.read():
                    citing.append(name)
    assert not citing, citing


@pytest.mark.parametrize('label', [5, -1])
def test_label_outside_num_classes_is_named_before_any_loss(label):
    model = build()
    model.train()
    x, samples = batch()
    samples[3].set_gt_label(label)
    with pytest.raises(ValueError, match=rf'label {label} of sample 3 .*'
                                         r'model.head.num_classes=5'):
        model.loss(x, samples)


def test_batch_of_one_sample_is_skipped_with_a_warning():
    model = build()
    x, samples = batch(n=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5))
    for staged in (True, False):
        model.staged_backward = staged
        with pytest.warns(UserWarning, match='train_dataloader.drop_last=True'):
            log = model.train_step(dict(inputs=x, data_samples=samples), wrapper)
    assert log == {'skipped_single_sample_batches': 2.0} and model.step_skipped
    after = model.state_dict()
    for k, v in after.items():
        if k != 'step_state':    # the training state counts the two skips (below)
            assert torch.equal(v, before[k]), k
    state = np.frombuffer(after['step_state'].numpy().tobytes(), dtype='<f8')
    assert dict(zip(STATE_FIELDS, state)) == dict(
        applied_steps=0, ema_steps=0, nonfinite_steps=0, single_sample_batches=2,
        momentum=model.momentum, mask_loss_weight=model.mask_loss_weight)
    # a batch of two still trains θ_q (θ_k's parameters move only with the EMA hook)
    x2, samples2 = batch(n=2)
    model.train_step(dict(inputs=x2, data_samples=samples2), wrapper)
    assert not model.step_skipped
    assert not torch.equal(model.backbone_q.conv1.weight, before['backbone_q.conv1.weight'])
    assert torch.equal(model.backbone.conv1.weight, before['backbone.conv1.weight'])


TOKEN_AND_STAGE_BACKBONES = {
    'vit': (dict(type='VisionTransformer', img_size=32, patch_size=8, arch=dict(
        embed_dims=16, num_layers=3, num_heads=2, feedforward_channels=32)),
        dict(type='VisionTransformerClsHead', num_classes=5, in_channels=16), None,
        1, 'layers', 16),
    'convnext': (dict(type='ConvNeXt', arch=dict(depths=[1, 1, 1, 1],
                                                 channels=[8, 8, 16, 16])),
                 dict(type='LinearClsHead', num_classes=5, in_channels=16), None,
                 1, 'stages', 8),
    'swin': (dict(type='SwinTransformer', img_size=32, window_size=2, pad_small_map=True, arch=dict(
        embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1])),
        dict(type='LinearClsHead', num_classes=5, in_channels=64),
        dict(type='GlobalAveragePooling'), 1, 'stages', 16),
}


@pytest.mark.parametrize('truncate', [False, True])
@pytest.mark.parametrize('arch', sorted(TOKEN_AND_STAGE_BACKBONES))
def test_any_backbone_feeds_the_mix_block_and_the_clean_pass_can_stop_there(arch, truncate):
    backbone, head, neck, layer, stages, channels = TOKEN_AND_STAGE_BACKBONES[arch]
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(backbone=backbone, head=head, neck=neck, mask_layer=layer,
                                  mix_block=dict(type='PixelMixBlock', in_channels=channels),
                                  truncate_clean_pass=truncate))
    model.init_weights()
    model.train()
    assert model.mask_layer_name == f'{stages}.{layer}'
    last = getattr(model.backbone, stages)[-1]
    calls = []
    last.register_forward_pre_hook(lambda *_: calls.append(1))
    x, samples = batch(n=4, size=32)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(dict(inputs=x, data_samples=samples), wrapper)
    assert torch.isfinite(log['loss'])
    # θ_k's last stage runs for x_mb, and for the clean images unless truncated
    assert len(calls) == (1 if truncate else 2)


def test_a_mask_layer_name_the_backbone_lacks_lists_the_closest():
    with pytest.raises(ValueError, match=r"model.mask_layer='layer_3': ResNet_CIFAR has no "
                                         r"such layer; valid names, closest first: 'layer3'"):
        MODELS.build(tiny_cfg(mask_layer='layer_3'))
    model = MODELS.build(tiny_cfg(mask_layer='layer3'))      # a name works like index 2
    assert model.mask_layer_name == 'layer3'


@pytest.mark.parametrize('name, channels', [('layer3.0', 32), ('layer3.1.conv2', 32),
                                            ('layer2.1', 16)])
def test_a_block_or_conv_name_feeds_the_mix_block(name, channels):
    """Any module name inside a ResNet works: a residual block, a convolution."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(mask_layer=name, mix_block=dict(
        type='PixelMixBlock', in_channels=channels, lam_concat=True)))
    model.init_weights()
    model.train()
    assert model.mask_layer_name == name
    seen = []
    dict(model.backbone.named_modules())[name].register_forward_hook(
        lambda m, a, out: seen.append(tuple(out.shape)))
    x, samples = batch(n=4, size=16)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(dict(inputs=x, data_samples=samples), wrapper)
    assert torch.isfinite(log['loss']) and seen[0][1] == channels


def test_a_named_layer_of_other_channels_fails_naming_the_keys():
    with pytest.raises(ValueError, match=r"mix_block.in_channels=32, but backbone layer "
                                         r"'layer2.1' \(model.mask_layer='layer2.1'\) "
                                         r"outputs 16 channels"):
        MODELS.build(tiny_cfg(mask_layer='layer2.1'))
    with pytest.raises(ValueError, match=r"mix_block.in_channels=32, but backbone layer "
                                         r"'layer4' \(model.mask_layer=3\) outputs 64"):
        MODELS.build(tiny_cfg(mask_layer=3))


def test_picture_of_a_step_without_the_mix_block_shows_plain_mixup():
    """With the Mix Block trained every 2nd step, the picture of a frozen step shows
    x_bb; where λ_bb is extreme (here every λ: lam_margin=0.5) x_bb is plain mixup,
    whose mask is one value for the whole batch: drawn as a uniform image of λ_bb, one
    per sample (it crashed the picture hook with a 1x1 tile)."""
    from mmautomix.visualization import mixed_sample_grid
    model = build(mix_block_interval=2, lam_margin=0.5)
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    x, samples = batch(n=6, size=16)
    model.train_step(dict(inputs=x, data_samples=samples), wrapper)
    model.record_mix = True
    model.train_step(dict(inputs=x, data_samples=samples), wrapper)   # frozen step
    record = model.last_mix
    assert tuple(record['mask'].shape) == (1, 2, 1, 1)
    lam = record['lam']
    torch.testing.assert_close(record['mixed'],
                               lam * record['x'] + (1 - lam) * record['x'][record['idx']])
    grid = mixed_sample_grid(record, max_samples=4, min_tile=32)
    # 4 rows of 16-px images upscaled x2, 4 columns, captions of 3 lines; the mask row
    # (third) is λ_bb·255
    t, pad, band = 32, 4, 3 * 14 + 4
    y = pad + 2 * (t + band + pad)
    left = grid.shape[1] - 4 * (t + pad)
    for c in range(4):
        tile = grid[y:y + t, left + c * (t + pad):left + c * (t + pad) + t]
        assert np.abs(tile.astype(float) - lam * 255).max() <= 1.0


def test_one_q_fraction_reaches_the_step_and_averages_over_its_images():
    """model.one_q_fraction=0.5: θ_q's clean pass sees the first 3 of 6 images and
    L_one_q is head_q's cross-entropy averaged over those 3 (not over the batch of 6),
    recomputed here from a copy of θ_q; the key is named in its errors."""
    import torch.nn.functional as F
    model = build(one_q_fraction=0.5)
    model.train()
    x, samples = batch()
    labels = torch.tensor([s.gt_label.item() for s in samples])
    backbone, neck, head = (copy.deepcopy(m) for m in (model.backbone_q, model.neck,
                                                        model.head_q))
    expected = F.cross_entropy(head.fc(neck(backbone(x[:3]))[-1]), labels[:3])
    sizes = []
    model.backbone_q.register_forward_pre_hook(lambda m, a: sizes.append(a[0].size(0)))
    losses = seeded_loss(model, x, samples)
    assert sizes == [3, 6]
    torch.testing.assert_close(losses['loss_one_q'], expected)
    with pytest.raises(ValueError, match=r'model.one_q_fraction=0: expected a fraction'):
        build(one_q_fraction=0)
    with pytest.raises(ValueError, match=r'model.one_q_fraction=0.5 with model.head_weights'
                                         r'.one_q=0'):
        build(one_q_fraction=0.5, head_weights=dict(one_q=0))


def test_registered_knobs_drop_passes_and_name_their_keys():
    """model.switch_off / mix_block_interval / head_weights reach the core step: a
    frozen step runs θ_k once (clean pass), a dropped clean branch runs θ_q once."""
    model = build(mix_block_interval=2, head_weights=dict(one_q=0))
    model.train()
    calls = {'k': 0, 'q': 0}
    model.backbone.register_forward_pre_hook(lambda *_: calls.__setitem__('k', calls['k'] + 1))
    model.backbone_q.register_forward_pre_hook(
        lambda *_: calls.__setitem__('q', calls['q'] + 1))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    x, samples = batch()
    counts = []
    for _ in range(2):
        before = dict(calls)
        log = model.train_step(dict(inputs=x, data_samples=samples), wrapper)
        counts.append((calls['k'] - before['k'], calls['q'] - before['q']))
        assert 'loss_one_q' not in log and torch.isfinite(log['loss'])
    assert counts == [(2, 1), (1, 1)] and model.applied_steps == 2
    with pytest.raises(ValueError, match=r'model.switch_off=2: expected a float in \[0, 1\]'):
        build(switch_off=2)
    with pytest.raises(ValueError, match=r'model.mix_block_interval=0'):
        build(mix_block_interval=0)
    frozen_mb = build(head_weights=dict(mix_k=0))
    frozen_mb.train()
    with pytest.raises(ValueError, match=r'model.head_weights.mix_k=0 while the Mix Block '
                                         r'trains with lr=0.1: it would never train'):
        frozen_mb.train_step(dict(inputs=x, data_samples=samples),
                             OptimWrapper(torch.optim.SGD(frozen_mb.parameters(), lr=0.1)))


def test_without_the_clean_loss_the_models_predict_with_their_mixup_heads():
    """head_weights.one_q=0: the one-hot heads never train (θ_q's keeps its initial
    weights), so predict scores with head_mix (θ_k) and head_mix_q (θ_q)."""
    model = build(head_weights=dict(one_q=0))
    model.init_weights()
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    x, samples = batch()
    head_q = {k: v.clone() for k, v in model.head_q.state_dict().items()}
    model.train_step(dict(inputs=x, data_samples=samples), wrapper)
    assert all(torch.equal(v, model.head_q.state_dict()[k]) for k, v in head_q.items())
    model.eval()
    with torch.no_grad():
        out = model.predict(x, [DataSample().set_gt_label(int(s.gt_label)) for s in samples])
        ema = F.softmax(model.head_mix(model.neck(model.backbone(x))), dim=1)
        online = F.softmax(model.head_mix_q(model.neck(model.backbone_q(x))), dim=1)
    torch.testing.assert_close(torch.stack([o.pred_score for o in out]), ema)
    torch.testing.assert_close(torch.stack([o.pred_score_other for o in out]), online)


def test_a_neck_with_parameters_is_refused_naming_the_key():
    """θ_q and θ_k share the neck: one with parameters would train as θ_q and never be
    averaged into θ_k, so it is refused; a parameter-free neck or none is accepted."""
    with pytest.raises(ValueError, match=r"model\.neck=.*LinearNeck.*has parameters.*"
                                         r"GlobalAveragePooling"):
        build(neck=dict(type='LinearNeck', in_channels=64, out_channels=64,
                        gap_dim=2))
    assert build().with_neck                            # global average pooling
    pooled = build(neck=None, backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8,
                                            base_channels=8, out_indices=(3, )),
                   head=dict(type='LinearClsHead', num_classes=5, in_channels=64))
    assert not pooled.with_neck
