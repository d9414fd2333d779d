"""The mixup family beside AutoMix: each method's defining property, checked against a
computation of our own, and the bad-input errors at build time."""
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmautomix.models.mixups import puzzlemix_mask as pm
from mmautomix.registry import BATCH_AUGMENTS, MODELS

H = 28


def pair_batch(n=4, c=1, size=H, seed=0):
    """Random images, distinct one-hot labels, and a pairing without fixed points."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, size, size, generator=g)
    scores = F.one_hot(torch.arange(n), n).float()
    index = torch.roll(torch.arange(n), 1)
    return x, scores, index


def recovered_mask(x, index, mixed):
    """M from the pixels alone: mixed = M x + (1 − M) x[index]."""
    x_j = x[index]
    return (mixed - x_j) / (x - x_j)


def label_weight(mixed_scores):
    """λ' of each sample's own label (labels are the sample indices)."""
    return mixed_scores.diagonal()


def seeded(seed=0):
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)


# -- FMix ---------------------------------------------------------------------------------
@pytest.mark.parametrize('spectrum', ['official', 'isotropic'])
@pytest.mark.parametrize('lam', [0.13, 0.5, 0.77])
def test_fmix_mask_is_binary_low_frequency_and_its_mean_is_lambda(lam, spectrum):
    aug = BATCH_AUGMENTS.build(dict(type='FMix', alpha=1.0, spectrum=spectrum))
    x, scores, index = pair_batch()
    seeded()
    mixed, mixed_scores = aug.mix(x, scores, lam=lam, index=index)
    m = recovered_mask(x, index, mixed)
    assert torch.allclose(m, m[:1].expand_as(m), atol=1e-4)   # one mask for the batch
    m = m[0, 0].round()
    assert set(m.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(m.mean()) - lam) <= 1 / (H * H)
    assert torch.allclose(label_weight(mixed_scores), torch.full((4, ), lam))
    # low frequency: far fewer 0/1 changes between neighbours than a random mask of λ
    changes = float((m[1:] != m[:-1]).sum() + (m[:, 1:] != m[:, :-1]).sum())
    random_changes = 2 * H * (H - 1) * 2 * lam * (1 - lam)
    assert changes < 0.35 * random_changes, (changes, random_changes)


def test_fmix_soft_edge_keeps_the_mean_and_softens_the_cut():
    from mmautomix.models.mixups.fmix import binarise, low_frequency_image
    seeded()
    m = binarise(low_frequency_image(H, H, 3.0), 0.4, max_soft=0.1)
    between = ((m > 0) & (m < 1)).sum()
    assert between == 2 * int(H * H * 0.1) - 2   # the ramp's values strictly inside (0, 1)
    assert abs(m.mean() - 0.4) <= 1 / (H * H)


# -- SaliencyMix --------------------------------------------------------------------------
def test_saliencymix_box_is_centred_on_the_saliency_peak_of_the_pasted_image():
    import cv2

    def peak_of(img):    # OpenCV's saliency of one image, computed here
        sal = cv2.saliency.StaticSaliencyFineGrained_create().computeSaliency(
            np.ascontiguousarray(img.numpy().transpose(1, 2, 0)))[1]
        return np.unravel_index(np.argmax((sal * 255).astype(np.uint8)), sal.shape)

    aug = BATCH_AUGMENTS.build(dict(type='SaliencyMix', alpha=1.0))
    x, scores, index = pair_batch(c=3, size=32)
    mixed, mixed_scores = aug.mix(x, scores, lam=0.9, index=index)
    peak = peak_of(x[index[0]])
    assert peak != peak_of(x[0])          # so the box tells which image was looked at
    m = recovered_mask(x, index, mixed)[:, 0].round()
    box = (m[0] == 0).nonzero()
    r0, c0 = box.min(0).values.tolist()
    r1, c1 = box.max(0).values.tolist()
    half = int(32 * np.sqrt(0.1)) // 2    # the side is 2·⌊√(1−λ)·32 / 2⌋
    assert (r0, r1 + 1) == (max(peak[0] - half, 0), min(peak[0] + half, 32))
    assert (c0, c1 + 1) == (max(peak[1] - half, 0), min(peak[1] + half, 32))
    assert int((m[0] == 0).sum()) == (r1 - r0 + 1) * (c1 - c0 + 1)   # one rectangle
    assert torch.equal(m, m[:1].expand_as(m))                        # the same for all
    assert torch.allclose(label_weight(mixed_scores), m.flatten(1).mean(1))


def test_saliencymix_without_opencv_contrib_fails_at_build_time(monkeypatch):
    import cv2
    monkeypatch.delattr(cv2, 'saliency')
    with pytest.raises(ImportError, match='opencv-contrib-python-headless'):
        BATCH_AUGMENTS.build(dict(type='SaliencyMix', alpha=0.2))


# -- SmoothMix ----------------------------------------------------------------------------
def test_smoothmix_window_is_gaussian_and_lambda_is_the_pixel_share():
    aug = BATCH_AUGMENTS.build(dict(type='SmoothMix'))
    x, scores, index = pair_batch()
    seeded(3)
    mask, _ = aug.sample_mask(x, x[index], None)
    g = (1 - mask[0, 0]).double()
    # a Gaussian: log g is a quadratic of the position with one curvature for y and x
    yy, xx = torch.meshgrid(torch.arange(H, dtype=torch.float64),
                            torch.arange(H, dtype=torch.float64), indexing='ij')
    design = torch.stack([yy ** 2 + xx ** 2, yy, xx, torch.ones_like(yy)], -1).view(-1, 4)
    coef = torch.linalg.lstsq(design, g.log().view(-1, 1)).solution
    assert (design @ coef - g.log().view(-1, 1)).abs().max() < 1e-3 and coef[0] < 0
    sigma = (-1 / (2 * coef[0])).sqrt().item()
    assert 0.25 * H - 0.01 <= sigma <= 0.5 * H + 0.01
    assert float(g.max()) > 0.5      # the centre lies on the image
    seeded(3)
    mixed, mixed_scores = aug.mix(x, scores, index=index)
    m = recovered_mask(x, index, mixed)
    assert torch.allclose(m, mask.expand_as(m), atol=1e-4)
    assert torch.allclose(label_weight(mixed_scores), mask.mean().expand(4), atol=1e-6)
    official = BATCH_AUGMENTS.build(dict(type='SmoothMix', official_label_weights=True))
    seeded(3)
    _, swapped = official.mix(x, scores, index=index)
    assert torch.allclose(label_weight(swapped), 1 - mask.mean().expand(4), atol=1e-6)


# -- GridMix ------------------------------------------------------------------------------
@pytest.mark.parametrize('seed', range(4))
def test_gridmix_holes_form_a_grid_and_lambda_is_the_kept_area(seed):
    aug = BATCH_AUGMENTS.build(dict(type='GridMix', alpha=1.0))
    x, scores, index = pair_batch()
    seeded(seed)
    mixed, mixed_scores = aug.mix(x, scores, index=index)
    m = recovered_mask(x, index, mixed)[0, 0].round()
    holes = 1 - m
    assert set(m.unique().tolist()) <= {0.0, 1.0} and holes.sum() > 0
    rows, cols = holes.amax(1), holes.amax(0)
    assert torch.equal(holes, torch.outer(rows, cols))   # a grid: rows × columns
    assert torch.allclose(label_weight(mixed_scores), m.mean().expand(4))


# -- ManifoldMix --------------------------------------------------------------------------
def small_resnet(**kw):
    cfg = dict(backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8,
                             base_channels=8, out_indices=(3, )),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=4, in_channels=64,
                         loss=dict(type='CrossEntropyLoss', use_soft=True)))
    cfg.update(kw)
    return cfg


@pytest.mark.parametrize('layer', [0, 1, 2, 3])
def test_manifoldmix_mixes_the_chosen_stage_output(layer):
    model = MODELS.build(small_resnet(type='ManifoldMix', alpha=2.0,
                                      mix_layers=(0, 1, 2, 3)))
    model.eval()   # BN statistics fixed, so a sample's features do not depend on the batch
    x, _, index = pair_batch()
    stages = model.stages()
    seen = {}
    handles = [stages[i].register_forward_pre_hook(
        lambda m, a, i=i: seen.__setitem__(i, a[0].clone())) for i in range(4)]
    with torch.no_grad():
        model.extract_feat(x)
        clean = dict(seen)
        model.mixed_features(x, 0.3, index, layer)
    for h in handles:
        h.remove()
    if layer == 0:   # the input of stage 0 is the stem's output of the mixed images
        stem = model.backbone.relu(model.backbone.norm1(model.backbone.conv1(
            0.3 * x + 0.7 * x[index])))
        assert torch.allclose(seen[0], stem, atol=1e-5)
    else:            # the next stage sees λ h + (1 − λ) h[index] of the clean h
        h = clean[layer]
        assert torch.allclose(seen[layer], 0.3 * h + 0.7 * h[index], atol=1e-5)
        for earlier in range(layer):
            assert torch.equal(seen[earlier], clean[earlier])


def test_manifoldmix_names_a_label_outside_num_classes():
    model = MODELS.build(small_resnet(type='ManifoldMix', alpha=2.0))
    x, _, _ = pair_batch()
    samples = [DataSample().set_gt_label(i) for i in (0, 1, 7, 2)]
    with pytest.raises(ValueError, match=r'label 7 of sample 2 .*num_classes=4'):
        model.loss(x, samples)


def test_manifoldmix_loss_uses_the_mixed_labels():
    model = MODELS.build(small_resnet(type='ManifoldMix', alpha=2.0))
    x, _, _ = pair_batch()
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    seeded(1)
    losses = model.loss(x, samples)
    seeded(1)
    lam = float(np.random.beta(2.0, 2.0))
    index = torch.randperm(4)
    target = lam * F.one_hot(torch.arange(4), 4).float() + \
        (1 - lam) * F.one_hot(index, 4).float()
    assert torch.allclose(torch.stack([s.gt_score for s in samples]), target)
    losses['loss'].backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0


# -- PuzzleMix ----------------------------------------------------------------------------
def test_puzzlemix_graph_cut_gives_each_image_its_salient_half():
    """x_1 is salient on the left, x_2 on the right, both flat (no data smoothness term):
    at λ = 0.5 the labelling keeps the left of x_1 and the right of x_2."""
    x = torch.zeros(2, 1, 32, 32)
    sal = torch.full((2, 32, 32), 1e-3)
    sal[0, :, :16] = 1.0
    sal[1, :, 16:] = 1.0
    index = torch.tensor([1, 0])
    mixed, lam = pm.puzzle_mix(x + torch.tensor([[[[1.]]], [[[2.]]]]), sal, index, 0.5,
                               block_num=4, mean=torch.zeros(1, 1, 1),
                               std=torch.ones(1, 1, 1), n_labels=2, transport=False)
    assert torch.all(mixed[0, 0, :, :16] == 1) and torch.all(mixed[0, 0, :, 16:] == 2)
    assert lam.tolist() == [0.5, 0.5]


@pytest.mark.parametrize('transport', [False, True])
def test_puzzlemix_mixes_blocks_with_lambda_the_mask_mean(transport):
    seeded(0)
    x, scores, index = pair_batch(n=4, size=32)
    sal = torch.rand(4, 32, 32)
    mixed, lam = pm.puzzle_mix(x, sal, index, 0.4, block_num=4, mean=torch.zeros(1, 1, 1),
                               std=torch.ones(1, 1, 1), neigh_size=4, n_labels=3,
                               t_size=-1, transport=transport)
    if not transport:
        m = recovered_mask(x, index, mixed)
        levels = m.round(decimals=3).unique().tolist()
        assert set(levels) <= {0.0, 0.5, 1.0}, levels
        blocks = m[:, 0, ::8, ::8].repeat_interleave(8, 1).repeat_interleave(8, 2)
        assert torch.allclose(m[:, 0], blocks, atol=1e-4)    # constant on 8-px blocks
        assert torch.allclose(lam, m.flatten(1).mean(1), atol=1e-4)
    else:   # every 8-px block of the result mixes a block of x and a block of x[index]
        src1 = x.unfold(2, 8, 8).unfold(3, 8, 8).reshape(4, 16, 64)
        src2 = src1[index]
        out = mixed.unfold(2, 8, 8).unfold(3, 8, 8).reshape(4, 16, 64)
        for n in range(4):
            for b in range(16):
                cands = [a * w + c * (1 - w) for w in (0.0, 0.5, 1.0)
                         for a in list(src1[n]) + [torch.zeros(64)]
                         for c in list(src2[n]) + [torch.zeros(64)]]
                assert min(float((out[n, b] - v).abs().max()) for v in cands) < 1e-5


@pytest.mark.parametrize('eps, moved', [(0.1, True), (2.0, False)])
def test_puzzlemix_transport_moves_the_salient_block_to_the_kept_region(eps, moved):
    """One salient block (0, 0) of distinct content, a mask that keeps only block
    (2, 3): with a cheap distance (t_eps 0.1) the plan moves the salient block there;
    with an expensive one (2.0) the move costs more than the saliency gains."""
    b, size = 4, 8
    x = torch.ones(1, 1, b * size, b * size)
    x[0, 0, :size, :size] = 5.0
    sal = torch.full((1, b, b), 1e-4)
    sal[0, 0, 0] = 1.0
    sal = sal / sal.sum()
    mask = torch.zeros(1, 1, b, b)
    mask[0, 0, 2, 3] = 1.0
    plan = pm.transport_plan(mask, sal, eps)
    out = pm.transport_blocks(x, plan, b, size)
    dest = out[0, 0, 2 * size:3 * size, 3 * size:4 * size]
    if moved:
        assert plan[0, 0].nonzero().flatten().tolist() == [2 * b + 3]
        assert torch.all(dest == 5.0)
    else:
        assert plan[0, 0, 2 * b + 3] == 0 and not torch.any(dest == 5.0)


def test_puzzlemix_step_trains_on_per_sample_labels():
    model = MODELS.build(small_resnet(type='PuzzleMix', alpha=1.0, block_num=(1, 3),
                                      neigh_size=4, t_size=4))
    x, _, _ = pair_batch(n=4, size=32)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    seeded(0)
    losses = model.loss(x, samples)
    score = torch.stack([s.gt_score for s in samples])
    assert torch.allclose(score.sum(1), torch.ones(4))
    own = score.diagonal()
    assert ((own >= 0) & (own <= 1)).all() and not torch.allclose(own, own[:1].expand(4))
    losses['loss'].backward()
    assert model.training and model.backbone.conv1.weight.grad.abs().sum() > 0


def test_puzzlemix_saliency_is_the_input_gradient_in_eval_mode():
    model = MODELS.build(small_resnet(type='PuzzleMix'))
    model.train()
    x, _, _ = pair_batch(n=4, size=32)
    y = torch.arange(4)
    s = model.input_saliency(x, y)
    assert model.training                                  # train mode is restored
    assert all(p.grad is None for p in model.parameters())  # no weight gradients
    model.eval()
    xr = x.clone().requires_grad_(True)
    F.cross_entropy(model.head(model.extract_feat(xr)), y).backward()
    assert torch.allclose(s, xr.grad.pow(2).mean(1).sqrt(), atol=1e-7)


def test_puzzlemix_worker_pool_gives_the_same_masks():
    seeded(0)
    x, _, index = pair_batch(n=6, size=32)
    sal = torch.rand(6, 32, 32)
    args = dict(block_num=8, mean=torch.zeros(1, 1, 1), std=torch.ones(1, 1, 1),
                transport=True, t_size=-1)
    direct = pm.puzzle_mix(x, sal, index, 0.3, **args)
    pool = pm.start_pool(2)
    try:
        pooled = pm.puzzle_mix(x, sal, index, 0.3, pool=pool, **args)
    finally:
        pool.terminate()
    assert torch.equal(direct[0], pooled[0]) and torch.equal(direct[1], pooled[1])


def test_puzzlemix_pool_lives_with_its_model():
    """Started on first use, one per model, stopped by close_pool() and when the
    model is collected; a copy of the model does not share it."""
    import copy
    import gc
    model = MODELS.build(small_resnet(type='PuzzleMix', n_workers=1))
    assert model._pool is None                     # nothing started at build time
    pool = model.pool()
    assert model.pool() is pool                    # one pool per model
    workers = list(pool._pool)
    assert all(w.is_alive() for w in workers)
    assert copy.deepcopy(model)._pool is None      # a copy starts its own when it needs one
    model.close_pool()
    assert model._pool is None
    for w in workers:
        w.join(timeout=10)
    assert not any(w.is_alive() for w in workers)
    pool = model.pool()                            # a later step starts a new one
    workers = list(pool._pool)
    del model, pool
    gc.collect()
    for w in workers:
        w.join(timeout=10)
    assert not any(w.is_alive() for w in workers)


def test_puzzlemix_names_a_label_outside_num_classes_before_the_saliency():
    model = MODELS.build(small_resnet(type='PuzzleMix', block_num=3))
    x, _, _ = pair_batch(n=4, size=32)
    samples = [DataSample().set_gt_label(i) for i in (0, 1, 2, 9)]   # 4 classes: 0-3
    calls = []
    model.input_saliency = lambda *a: calls.append(a)
    with pytest.raises(ValueError, match=r'label 9 of sample 3 .*num_classes=4'):
        model.loss(x, samples)
    assert calls == []                             # failed before the saliency pass


def test_puzzlemix_input_size_it_cannot_tile_fails_naming_the_keys():
    model = MODELS.build(small_resnet(type='PuzzleMix', block_num=4, neigh_size=7))
    x, _, _ = pair_batch(n=4, size=28)   # grids 2, 4, 8: 28 / 8 is not whole
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    with pytest.raises(ValueError, match='model.block_num: a 8x8 grid does not tile 28'):
        model.loss(x, samples)


def test_puzzlemix_without_gco_fails_at_build_time(monkeypatch):
    monkeypatch.setattr(pm, 'gco', None)
    with pytest.raises(ImportError, match='pip install gco-wrapper'):
        MODELS.build(small_resnet(type='PuzzleMix'))


# -- bad hyper-parameters fail at build time, naming the key and the range ------------------
@pytest.mark.parametrize('cfg,match', [
    (dict(type='FMix', alpha=0.0), r'augments.alpha=0.0: expected a float > 0'),
    (dict(type='FMix', alpha=1.0, decay_power=-1), r'augments.decay_power=-1: expected δ > 0'),
    (dict(type='FMix', alpha=1.0, max_soft=0.7), r'augments.max_soft=0.7: expected .*\[0, 0.5\]'),
    (dict(type='SaliencyMix', alpha=-1), r'augments.alpha=-1: expected a float > 0'),
    (dict(type='GridMix', alpha=0.2, n_holes=0), r'augments.n_holes=0: expected an int'),
    (dict(type='GridMix', alpha=0.2, n_holes=(3, 2)), r'augments.n_holes=\(3, 2\)'),
    (dict(type='GridMix', alpha=0.2, cut_area_ratio=1.5), r'cut_area_ratio=1.5: .*\[1e-06, 1.0\]'),
])
def test_batch_augment_bad_input(cfg, match):
    with pytest.raises(ValueError, match=match):
        BATCH_AUGMENTS.build(cfg)


@pytest.mark.parametrize('kw,match', [
    (dict(type='ManifoldMix', alpha=0), r'model.alpha=0: expected a float > 0'),
    (dict(type='ManifoldMix', mix_layers=(0, 4)), r'model.mix_layers=\(0, 4\): .*\[0, 3\]'),
    (dict(type='ManifoldMix', mix_layers=()), r'model.mix_layers=\(\): expected a non-empty'),
    (dict(type='PuzzleMix', alpha=-2.0), r'model.alpha=-2.0'),
    (dict(type='PuzzleMix', block_num=1), r'model.block_num=1: expected an int k >= 2'),
    (dict(type='PuzzleMix', n_labels=5), r'model.n_labels=5: expected 2, 3 or 4'),
    (dict(type='PuzzleMix', gamma=-1), r'model.gamma=-1: expected a float >= 0'),
])
def test_classifier_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(small_resnet(**kw))


def test_hard_label_head_is_refused():
    cfg = small_resnet(type='ManifoldMix')
    cfg['head']['loss'] = dict(type='CrossEntropyLoss')
    with pytest.raises(ValueError, match='model.head.loss.use_soft=False'):
        MODELS.build(cfg)


def test_manifoldmix_needs_resnet_stages():
    cfg = small_resnet(type='ManifoldMix')
    cfg['backbone'] = dict(type='MobileNetV2', widen_factor=0.25)
    cfg['head']['in_channels'] = 1280
    with pytest.raises(ValueError, match="model.backbone=MobileNetV2: ManifoldMix needs"):
        MODELS.build(cfg)
