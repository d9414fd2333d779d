"""AdAutoMix on the AutoMix core (docs/successors.md §2): the adaptive mask against a
direct computation, mixed images as weighted sums of their sources, the official order of
the draws, the adversarial objective's sign, the official margin test and its fix, bad
input, and the plain-PyTorch class with torch alone. The Runner epoch on real
Fashion-MNIST is in tests/test_successors_train.py."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmautomix.core import (AdAutoMixClassifier, AdAutoMixOptions, AdaptiveMask,
                            MixBlockUpdates, adautomix_branches)
from function_network import FunctionNetwork


def direct_mask(gen, z, indices, weights, s):
    """The official module written out: per source the feature with its ℓ channel, q and
    k through their own convolutions and a ReLU, A_s = softmax(Σ_{t≠s} q_s k_tᵀ/√d), the
    source's own value, upsample, softmax over the sources."""
    n, _, h, w = z.shape
    feats = []
    for idx, lam in zip(indices, weights):
        f = z[idx]
        if gen.lam_concat:
            f = torch.cat([f, torch.full_like(f[:, :1], lam)], 1)
        feats.append(f)
    q = [F.relu(gen.query(f)).view(n, -1, h * w).permute(0, 2, 1) for f in feats]
    k = [F.relu(gen.key(f)).view(n, -1, h * w) for f in feats]
    v = [gen.value(f).view(n, 1, h * w).permute(0, 2, 1) for f in feats]
    logits = []
    for a in range(len(feats)):
        att = sum(q[a] @ k[b] for b in range(len(feats)) if b != a)
        att = torch.softmax(att / math.sqrt(gen.inter_channels), -1)
        logits.append((att @ v[a]).permute(0, 2, 1).reshape(n, 1, h, w))
    m = F.interpolate(torch.cat(logits, 1), scale_factor=s, mode='bilinear',
                      align_corners=False)
    return m.softmax(1)


def generator(**kw):
    torch.manual_seed(0)
    gen = AdaptiveMask(8, unsampling_mode='bilinear', **kw)
    for p in gen.parameters():
        p.data.normal_(0, 0.4)
    return gen


@pytest.mark.parametrize('lam_concat', [False, True])
@pytest.mark.parametrize('k', [2, 3, 4])
def test_mask_matches_the_direct_formula_and_sums_to_one(lam_concat, k):
    gen = generator(lam_concat=lam_concat)
    z = torch.randn(5, 8, 4, 4)
    g = torch.Generator().manual_seed(1)
    indices = [torch.arange(5)] + [torch.randperm(5, generator=g) for _ in range(k - 1)]
    weights = list(np.random.RandomState(2).dirichlet(np.ones(k)))
    proj = gen.project(z)
    got = gen(z, indices, weights, 2, projections=proj)
    torch.testing.assert_close(got, direct_mask(gen, z, indices, weights, 2),
                               rtol=1e-5, atol=1e-6)
    assert got.shape == (5, k, 8, 8)
    torch.testing.assert_close(got.sum(1), torch.ones(5, 8, 8))
    assert got.std() > 1e-2          # not uniform: the test can fail


def tiny_nets(num_classes=5, seed=0):
    torch.manual_seed(seed)
    feat = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU())
    head = nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(8, num_classes))
    return feat, head


def run_step(x, y, gen, *, record=None, inputs=None, seed=0, **kw):
    """adautomix_branches on tiny networks (θ_k = θ_q here: the step only needs
    functions); returns the three dicts. ``inputs`` collects each θ_q mixup-head input."""
    feat, head = tiny_nets()
    for p in list(feat.parameters()) + list(head.parameters()):
        p.requires_grad_(False)

    def online_mix(v):
        if inputs is not None:
            inputs.append(v.detach())
        return head(feat(v))

    ema = FunctionNetwork(feature=feat, logits=lambda v: head(feat(v)))
    online = FunctionNetwork(logits=lambda v: head(feat(v)), mix_logits=online_mix)
    adversarial = kw.pop('adversarial', True)
    updates = MixBlockUpdates(kw.pop('switch_off', 0.0))
    np.random.seed(seed)
    torch.manual_seed(seed)
    return list(adautomix_branches(
        x, y, ema, online, gen, AdAutoMixOptions(num_classes=5, updates=updates, **kw),
        adversarial=adversarial, on_mix=record))


def test_mixed_images_are_weighted_sums_of_their_sources():
    """x_mb = Σ_s x[I_s] ⊙ M_s with Σ_s M_s = 1 at every pixel; three sources, the
    first two the Mix Block's pairings drawn in the official order (idx_bb, then idx_mb),
    the weights λ_s / Σλ from numpy's Beta draws."""
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    seen = {}
    run_step(x, y, generator(), seed=4,
             record=lambda *a: seen.update(zip(('x', 'idx', 'w', 'mask', 'mixed'), a)))
    torch.manual_seed(4)
    idx_bb, idx_mb, third = torch.randperm(6), torch.randperm(6), torch.randperm(6)
    for got, want in zip(seen['idx'], (idx_mb, idx_bb, third)):
        assert torch.equal(got, want)
    np.random.seed(4)
    lam = np.random.beta(1.0, 1.0, 3)
    assert seen['w'] == pytest.approx(list(lam / lam.sum()))
    mask = seen['mask']
    torch.testing.assert_close(mask.sum(1), torch.ones(6, 8, 8))
    want = sum(x[i] * mask[:, s:s + 1] for s, i in enumerate(seen['idx']))
    torch.testing.assert_close(seen['mixed'], want)
    assert not torch.allclose(seen['mixed'], sum(w * x[i] for w, i in zip(seen['w'], seen['idx'])),
                              atol=1e-3)      # a spatial mask, not the linear mix


def mask_grads(adversarial, beta):
    gen = generator()
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    first = run_step(x, y, gen, seed=7, adversarial=adversarial, beta_radio=beta)[0]
    first['loss_mix_k'].backward()
    return first, [p.grad.clone() for p in gen.parameters()]


def test_the_adversarial_step_ascends_the_mixed_loss():
    """Same draws: with β = 1 the generator's gradient on an adversarial step is exactly
    minus its gradient on a normal step (ascent vs descent of L_k); with β = 0.3 the
    branch's loss is −0.3 L_k + 0.7 S."""
    normal, g_normal = mask_grads(False, 1.0)
    adv, g_adv = mask_grads(True, 1.0)
    assert float(normal['loss_mix_k'].detach()) == pytest.approx(float(normal['ce_mix_k']))
    assert float(adv['loss_mix_k'].detach()) == pytest.approx(-float(adv['ce_mix_k']))
    for a, b in zip(g_adv, g_normal):
        torch.testing.assert_close(a, -b)
    assert sum(float(g.abs().sum()) for g in g_normal) > 0
    adv3, _ = mask_grads(True, 0.3)
    assert float(adv3['loss_mix_k'].detach()) == pytest.approx(
        -0.3 * float(adv3['ce_mix_k']) + 0.7 * float(adv3['similarity']), rel=1e-6)


@pytest.mark.parametrize('fix', [False, True])
def test_the_official_margin_test_makes_the_backbone_mix_linear(fix):
    """K = 3 with margin 0.03: the official test turns M_bb into the constant ℓ, so θ_q's
    mixed image equals the linear mix x_lin it also sees; the fixed test keeps the
    generator's mask (unless ℓ_1 is within the margin of 0 or 1)."""
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    inputs = []
    run_step(x, y, generator(), seed=2, inputs=inputs, lam_margin=0.03, margin_fix=fix)
    x_lin, x_bb = inputs
    assert torch.allclose(x_lin, x_bb, atol=1e-6) != fix


def test_two_sources_use_the_pairing_and_margin_like_automix():
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    seen = {}
    run_step(x, y, generator(), seed=3, mix_samples=2,
             record=lambda *a: seen.update(zip(('x', 'idx', 'w', 'mask', 'mixed'), a)))
    assert torch.equal(seen['idx'][0], torch.arange(6))
    np.random.seed(3)
    lam = np.random.beta(1.0, 1.0, 2)
    assert seen['w'] == pytest.approx([lam[0], 1 - lam[0]])


def test_switch_off_skips_the_generator_branch():
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    # s = 1e-9: the draw u > s skips the branch (with probability 1 - 1e-9)
    first = run_step(x, y, generator(), switch_off=1e-9)[0]
    assert not any(k.startswith('loss') for k in first)


def test_bad_input_names_the_key():
    with pytest.raises(ValueError, match=r'mix_samples=1.*int >= 2'):
        AdAutoMixClassifier(nn.Conv2d(3, 5, 1), layer='', in_channels=5, num_classes=5,
                            mix_samples=1)
    with pytest.raises(ValueError, match=r'adv_interval=0'):
        AdAutoMixClassifier(nn.Conv2d(3, 5, 1), layer='', in_channels=5, num_classes=5,
                            adv_interval=0)
    with pytest.raises(ValueError, match=r'one_q_fraction=0.5: not an AdAutoMix option'):
        AdAutoMixClassifier(nn.Conv2d(3, 5, 1), layer='', in_channels=5, num_classes=5,
                            one_q_fraction=0.5)
    with pytest.raises(ValueError, match=r'mix_block\.in_channels=1'):
        AdaptiveMask(1)


def tiny_cnn(classes=5):
    def stage(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU())
    return nn.Sequential(stage(3, 4, 1), stage(4, 8, 2), stage(8, 8, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, classes))


def test_plain_pytorch_adautomix_trains_with_torch_alone():
    """Two steps (adversarial, then normal): every generator tensor, θ_q and θ_k move;
    the logs say which step was adversarial."""
    torch.manual_seed(0)
    model = AdAutoMixClassifier(tiny_cnn(), layer='2', in_channels=8, num_classes=5).train()
    opt = torch.optim.SGD(model.param_groups(lr=0.1), momentum=0.9)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    x, y = torch.randn(8, 3, 16, 16), torch.arange(8) % 5
    logs = [model.train_step(x, y, opt) for _ in range(2)]
    assert [log['adversarial'] for log in logs] == [1.0, 0.0]
    assert {'loss_mix_k', 'loss_one_q', 'loss_mix_q', 'similarity'} <= set(logs[0])
    now = dict(model.named_parameters())
    for name in ('mix_block.query.weight', 'mix_block.key.weight', 'mix_block.value.weight',
                 'online.0.0.weight', 'ema.0.0.weight'):
        assert not torch.equal(before[name], now[name]), name


def test_k_source_mask_statistics_are_logged_against_numpy():
    """With three sources the generator branch logs the masks' within-mask spatial std
    and |mean(M_s) − w_s|, averaged over samples and sources, equal to a numpy
    computation on the recorded masks and weights; for K = 2 the K-source form equals
    AutoMix's two-image statistics."""
    from mmautomix.core import mask_statistics
    from mmautomix.core.mixing import source_mask_statistics
    x, y = torch.randn(6, 3, 8, 8), torch.arange(6) % 5
    gen = generator()
    for p in gen.parameters():       # a non-flat mask
        p.data.normal_(0, 0.5)
    seen = {}
    first = run_step(x, y, gen, seed=1, mix_samples=3,
                     record=lambda *a: seen.update(zip(('x', 'idx', 'w', 'mask', 'mixed'), a)))[0]
    m = seen['mask'].detach().numpy().astype(np.float64).reshape(6, 3, -1)
    std = np.mean(np.std(m, axis=2, ddof=1))
    err = np.mean(np.abs(m.mean(2) - np.asarray(seen['w'])[None, :]))
    assert std > 1e-3 and len(seen['w']) == 3
    assert float(first['mask_spatial_std']) == pytest.approx(std, rel=1e-5)
    assert float(first['mask_lam_error']) == pytest.approx(err, rel=1e-5)
    two = torch.rand(4, 1, 5, 5)
    mask = torch.cat([1 - two, two], 1)
    a, b = mask_statistics(mask, 0.3), source_mask_statistics(mask, [0.3, 0.7])
    for key in a:
        assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-6)
