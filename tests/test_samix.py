"""SAMix on the AutoMix core: each Mix Block option against a direct computation on small
tensors (docs/successors.md §1), the η-balanced loss and ``mask_adjust`` against hand
formulas, contradicting options named, and the plain-PyTorch class with SAMix's block.
The Runner epoch on real Fashion-MNIST is in tests/test_successors_train.py."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmautomix.core import (SAMIX_OPTIONS, AutoMixClassifier, MixBlock, adjust_mask_mean,
                            automix_branches, eta_balanced_soft_cross_entropy,
                            rescale_lambda, soft_cross_entropy)
from mmautomix.core import StepOptions
from function_network import FunctionNetwork


def poly(lam, k):
    """r_k(λ) written out: (4/3 λ³ − 2λ² + (k+1)λ) / (k + 1 − 2/3)."""
    return (4 * lam ** 3 / 3 - 2 * lam ** 2 + (k + 1) * lam) / (k + 1 - 2 / 3)


def direct_samix_mask(block, z, lam, idx, s, k):
    """The official SAMix block written out: scale z_i, z_j, concatenate for q/k (two
    weight sets) or v, run the value network on its input, attention, upsample, sigmoid."""
    lam_r = poly(lam, k) if k >= 0 else lam
    mu = block.lam_mul
    if block.lam_residual:
        z_i, z_j = z * (1 + lam_r * mu), z[idx] * (1 + (1 - lam_r) * mu)
    else:
        z_i, z_j = z * lam_r, z[idx] * (1 - lam_r)
    n, _, h, w = z.shape
    v = block.value(torch.cat([z_i, z_j], 1) if block.x_v_concat else z_j).view(n, 1, h * w)
    if block.x_qk_concat:
        u = torch.cat([z_i, z_j], 1)
        q, k_ = block.query(u), block.key(u)
    else:
        q, k_ = block.query(z_i), block.query(z_j)
    q = q.view(n, -1, h * w).permute(0, 2, 1)
    p = torch.softmax(q @ k_.view(n, -1, h * w) / math.sqrt(block.inter_channels), -1)
    m = (p @ v.permute(0, 2, 1)).permute(0, 2, 1).reshape(n, 1, h, w)
    m = torch.sigmoid(F.interpolate(m, scale_factor=s, mode='bilinear', align_corners=False))
    return torch.cat([1 - m, m], 1)


def big_weights(block):
    torch.manual_seed(1)
    for name, p in block.named_parameters():
        if name.endswith('weight') and p.dim() == 4:
            p.data.normal_(0, 0.3)
    return block


@pytest.mark.parametrize('residual', [True, False])
@pytest.mark.parametrize('qk_concat', [True, False])
@pytest.mark.parametrize('neck', [True, False])
@pytest.mark.parametrize('v_concat', [False, True])
def test_samix_mask_matches_the_direct_formula(residual, qk_concat, neck, v_concat):
    """Shared projections, λ through scaling, W_k, the value neck, [z_i'; z_j'] for v:
    our block's mask equals the formula computed directly, for two calls that reuse one
    projection with different λ and pairings (as a step's two calls do)."""
    torch.manual_seed(0)
    block = big_weights(MixBlock(16, unsampling_mode='bilinear', lam_mul=0.7,
                                 lam_residual=residual, lam_mul_k=0.25,
                                 value_neck=dict(hidden_channels=6) if neck else None,
                                 x_qk_concat=qk_concat, x_v_concat=v_concat))
    z = torch.randn(5, 16, 4, 4)
    proj = block.project(z)
    for lam, idx in ((0.3, torch.tensor([3, 0, 4, 1, 2])), (0.85, torch.tensor([1, 2, 3, 4, 0]))):
        got = block(z, lam, idx, 2, projections=proj)
        want = direct_samix_mask(block, z, lam, idx, 2, 0.25)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
        assert got[:, 1].std() > 1e-3           # not a flat mask: the test can fail
    assert (block.key is not None) == qk_concat


def test_lambda_enters_only_through_the_scaling():
    """With ``lam_mul`` the mask depends on λ (no λ channel); without it, it does not."""
    z, idx = torch.randn(4, 16, 4, 4), torch.tensor([1, 0, 3, 2])
    samix = big_weights(MixBlock(16, lam_mul=1.0, lam_residual=True))
    assert not torch.allclose(samix(z, 0.1, idx, 2), samix(z, 0.9, idx, 2))
    plain = big_weights(MixBlock(16))
    torch.testing.assert_close(plain(z, 0.1, idx, 2), plain(z, 0.9, idx, 2))


def test_rescaled_lambda():
    """r_k: the values quoted for k = 0.25, symmetric about ½, identity for k < 0."""
    assert rescale_lambda(0.1, 0.25) == pytest.approx(0.18229, abs=1e-5)
    assert rescale_lambda(0.25, 0.25) == pytest.approx(0.35714, abs=1e-5)
    for lam in (0.0, 0.13, 0.5, 0.77, 1.0):
        for k in (0.0, 0.25, 3.0):
            assert rescale_lambda(lam, k) == pytest.approx(poly(lam, k))
            assert rescale_lambda(1 - lam, k) == pytest.approx(1 - rescale_lambda(lam, k))
        assert rescale_lambda(lam, -1) == lam


def test_a_list_of_k_draws_one_per_call():
    """``lam_mul_k=[0, 5]``: a call's mask is the direct formula's for one of the two k."""
    block = big_weights(MixBlock(16, lam_mul=1.0, lam_mul_k=[0.0, 5.0], unsampling_mode='bilinear'))
    z, idx = torch.randn(3, 16, 4, 4), torch.tensor([2, 0, 1])
    seen = set()
    for _ in range(12):
        got = block(z, 0.2, idx, 2)
        match = [k for k in (0.0, 5.0)
                 if torch.allclose(got, direct_samix_mask(block, z, 0.2, idx, 2, k), atol=1e-6)]
        assert len(match) == 1
        seen.add(match[0])
    assert seen == {0.0, 5.0}


def test_the_value_neck_is_one_channel_and_trains():
    """The non-linear value: conv → BN → ELU → conv to 1 channel, no biases; the mask
    loss's gradient reaches both convolutions and the BN's affine parameters."""
    block = big_weights(MixBlock(16, value_neck=dict(hidden_channels=8), lam_mul=1.0,
                                 mask_loss_mode='L1+Variance'))
    convs = [m for m in block.value if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.bias) for c in convs] == [(16, 8, None),
                                                                        (8, 1, None)]
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in block.value)
    assert any(isinstance(m, torch.nn.ELU) for m in block.value)
    z = torch.randn(4, 16, 4, 4)
    assert block.value(z).shape == (4, 1, 4, 4)
    mask = block(z, 0.3, torch.tensor([1, 2, 3, 0]), 2)
    (block.mask_loss(mask, 0.3) + mask[:, 1, :2].sum()).backward()
    for name, p in block.value.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_value_neck_must_give_one_channel():
    with pytest.raises(ValueError, match=r'mix_block\.value_neck\.out_channels=2.*expected 1'):
        MixBlock(16, value_neck=dict(out_channels=2))
    with pytest.raises(ValueError, match=r'mix_block\.value_neck\.norm'):
        MixBlock(16, value_neck=dict(norm='GN'))


def test_l1_plus_variance_loss_value():
    """max(|1 − m̄ − λ| − ε, 0) − 2·mean((M_j − m̄)²) on a known mask."""
    block = MixBlock(4, mask_loss_mode='L1+Variance', mask_loss_margin=0.1)
    m_j = torch.tensor([[[0.0, 1.0], [1.0, 1.0]], [[0.5, 0.5], [0.0, 0.0]]])
    mask = torch.stack([1 - m_j, m_j], 1)
    mean = 4.0 / 8                                             # m̄ over all pixels
    var = sum((v - mean) ** 2 for v in m_j.flatten().tolist()) / 8
    lam = 0.2
    want = max(abs(1 - mean - lam) - 0.1, 0) - 2 * var
    assert float(block.mask_loss(mask, lam)) == pytest.approx(want, abs=1e-6)
    assert want < 0.2 - 0.1                                    # the variance term acts


def test_eta_balanced_soft_cross_entropy_is_the_formula_and_a_no_op():
    """The official weighting by hand (loops), and equal to the soft cross-entropy for
    every η: the weight only touches classes whose target is 0."""
    torch.manual_seed(0)
    logits = torch.randn(3, 5)
    y, y2, lam = torch.tensor([0, 2, 4]), torch.tensor([1, 2, 0]), 0.3
    target = lam * F.one_hot(y, 5).float() + (1 - lam) * F.one_hot(y2, 5).float()
    logp = F.log_softmax(logits, 1)
    for eta in (0.5, 1.0):
        total = 0.0
        for n in range(3):
            for c in range(5):
                w = 1.0 if target[n, c] > 0 or eta >= 1 else eta
                total += -float(target[n, c]) * w * float(logp[n, c])
        got = eta_balanced_soft_cross_entropy(logits, target, eta)
        assert float(got) == pytest.approx(total / 3, rel=1e-6)
        torch.testing.assert_close(got, soft_cross_entropy(logits, target))
    with pytest.raises(ValueError, match='neg_weight=0'):
        eta_balanced_soft_cross_entropy(logits, target, 0)


def test_adjusted_mask_has_the_target_mean():
    torch.manual_seed(0)
    m = torch.rand(6, 8, 8) * 0.8 + 0.1
    mask = torch.stack([m, 1 - m], 1)
    lam = 0.3
    out = adjust_mask_mean(mask, lam)
    torch.testing.assert_close(out[:, 0].mean((1, 2)), torch.full((6,), lam))
    torch.testing.assert_close(out.sum(1), torch.ones(6, 8, 8))
    assert out.min() >= 0 and out.max() <= 1
    # a sample already at mean λ is kept as it is
    flat = torch.full((1, 2, 4, 4), 0.5)
    torch.testing.assert_close(adjust_mask_mean(flat, 0.5), flat)


def _step_with_mask_adjust(to):
    """One core step with mask_adjust=1 on a tiny network; returns (x_bb's share of x per
    sample, λ_mb, λ_bb) with λ and the pairing drawn again from the same seeds."""
    n, alpha = 6, 2.0
    np.random.seed(3)
    lam_mb, lam_bb = np.random.beta(alpha, alpha, 2)
    torch.manual_seed(5)
    torch.randperm(n)
    idx_bb = torch.randperm(n)
    torch.manual_seed(7)
    x = torch.randn(n, 3, 8, 8)
    block = big_weights(MixBlock(4, **SAMIX_OPTIONS))
    feat = torch.nn.Conv2d(3, 4, 2, stride=2)
    seen = {}

    def logits(v):                   # 5 "class scores" from the image's channel means
        return v.mean((2, 3)).repeat(1, 2)[:, :5]

    def online_mix(v):
        seen['x_bb'] = v.detach()
        return logits(v)

    ema = FunctionNetwork(feature=feat, logits=logits)
    online = FunctionNetwork(logits=logits, mix_logits=online_mix)
    np.random.seed(3)
    torch.manual_seed(5)
    list(automix_branches(x, torch.arange(n) % 5, ema, online, block, StepOptions(
        num_classes=5, alpha=alpha, lam_margin=-1, mask_adjust=1.0, mask_adjust_to=to)))
    paired = idx_bb != torch.arange(n)       # a sample paired with itself shows no share
    assert paired.sum() >= 4
    share = (seen['x_bb'] - x[idx_bb]) / (x - x[idx_bb])      # M_bb[:, 0] per pixel
    return share.mean((1, 2, 3))[paired], float(lam_mb), float(lam_bb)


def test_mask_adjust_rescales_the_backbone_mask_to_lambda_mb_faithfully():
    """The official step rescales M_bb to λ_mb (the Mix Block call's λ); ``'lam_bb'`` to
    the λ_bb its images are labelled with."""
    share, lam_mb, lam_bb = _step_with_mask_adjust('lam_mb')
    assert abs(lam_mb - lam_bb) > 0.05
    torch.testing.assert_close(share, torch.full_like(share, lam_mb), atol=1e-4, rtol=0)
    share, lam_mb, lam_bb = _step_with_mask_adjust('lam_bb')
    torch.testing.assert_close(share, torch.full_like(share, lam_bb), atol=1e-4, rtol=0)


@pytest.mark.parametrize('a,b', [('lam_concat', 'lam_mul'), ('lam_concat', 'x_qk_concat'),
                                 ('lam_concat', 'lam_concat_v'), ('lam_concat_v', 'x_v_concat'),
                                 ('lam_concat', 'x_v_concat')])
def test_contradicting_options_fail_naming_both(a, b):
    opts = {a: True, b: True}
    with pytest.raises(ValueError, match=rf'mix_block\.{a}=.*mix_block\.{b}='):
        MixBlock(16, **opts)


def test_bad_option_values_name_the_key():
    with pytest.raises(ValueError, match=r'mix_block\.lam_mul=1\.5'):
        MixBlock(16, lam_mul=1.5)
    with pytest.raises(ValueError, match=r'mix_block\.lam_mul_k=11'):
        MixBlock(16, lam_mul=1.0, lam_mul_k=11)
    with pytest.raises(ValueError, match=r'mask_adjust=1\.5'):
        AutoMixClassifier(torch.nn.Conv2d(3, 5, 1), layer='', in_channels=5,
                          num_classes=5, mask_adjust=1.5)


def tiny_cnn(classes=5):
    def stage(cin, cout, stride):
        return torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                                   torch.nn.BatchNorm2d(cout), torch.nn.ReLU())
    return torch.nn.Sequential(stage(3, 4, 1), stage(4, 8, 2), stage(8, 8, 2),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                               torch.nn.Linear(8, classes))


def test_plain_pytorch_samix_trains_every_mix_block_part():
    """AutoMixClassifier with SAMix's block: one step moves θ_q, θ_k and every Mix Block
    tensor (W_q, W_k, both value convolutions), and logs the L1+Variance mask loss."""
    torch.manual_seed(0)
    model = AutoMixClassifier(tiny_cnn(), layer='2', in_channels=8, num_classes=5,
                              mix_block_options=SAMIX_OPTIONS,
                              mask_adjust=0.5).train()
    assert model.mix_block.x_qk_concat and not model.mix_block.value_is_linear
    assert model.mix_block.mask_loss_mode == 'L1+Variance'
    opt = torch.optim.SGD(model.param_groups(lr=0.1), momentum=0.9)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    x, y = torch.randn(8, 3, 16, 16), torch.arange(8) % 5
    logs = model.train_step(x, y, opt)
    assert {'loss_mix_k', 'loss_mask', 'loss_one_q', 'loss_mix_q'} <= set(logs)
    moved = {k for k, v in model.named_parameters() if not torch.equal(before[k], v)}
    for name in ('mix_block.query.weight', 'mix_block.key.weight',
                 'mix_block.value.0.weight', 'mix_block.value.3.weight', 'online.0.0.weight'):
        assert name in moved, name
    ema_before = {k: v for k, v in before.items() if k.startswith('ema.')}
    assert all(not torch.equal(ema_before[k], dict(model.named_parameters())[k])
               for k in ema_before if k.endswith('weight'))


def test_lambda_channel_for_the_value_only():
    """``lam_concat_v``: v = W_v [z_j; 1 − λ], q and k from W_q without a λ channel."""
    block = big_weights(MixBlock(16, lam_concat_v=True))
    z, idx, lam = torch.randn(3, 16, 4, 4), torch.tensor([2, 0, 1]), 0.3
    assert block.value.in_channels == 17 and block.query.in_channels == 16
    n = 3
    v = block.value(torch.cat([z[idx], torch.full_like(z[:, :1], 1 - lam)], 1)).view(n, 1, 16)
    q = block.query(z).view(n, -1, 16).permute(0, 2, 1)
    k = block.query(z[idx]).view(n, -1, 16)
    p = torch.softmax(q @ k / math.sqrt(block.inter_channels), -1)
    m = (p @ v.permute(0, 2, 1)).permute(0, 2, 1).reshape(n, 1, 4, 4)
    m = torch.sigmoid(F.interpolate(m, scale_factor=2, mode='nearest'))
    torch.testing.assert_close(block(z, lam, idx, 2), torch.cat([1 - m, m], 1),
                               rtol=1e-5, atol=1e-6)
    assert not torch.allclose(block(z, 0.1, idx, 2), block(z, 0.9, idx, 2))


def test_a_lambda_margin_step_still_calls_the_mix_block_on_the_backbone_branch():
    """Officially, a step whose λ_bb is within ``lam_margin`` of 0 or 1 calls the Mix
    Block for M_bb (its value neck's BN counts that batch) and only then replaces M_bb by
    the constant (λ_bb, 1 − λ_bb): the BN counter moves by two per step, and x_bb is the
    plain mixup of x with x[idx_bb]."""
    n = 6
    torch.manual_seed(0)
    x = torch.randn(n, 3, 8, 8)
    block = MixBlock(4, **SAMIX_OPTIONS)
    bn = [m for m in block.value.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(bn) == 1
    seen = {}

    def logits(v):
        return v.mean((2, 3)).repeat(1, 2)[:, :5]

    def online_mix(v):
        seen['x_bb'] = v.detach()
        return logits(v)

    ema = FunctionNetwork(feature=torch.nn.Conv2d(3, 4, 2, stride=2), logits=logits)
    online = FunctionNetwork(logits=logits, mix_logits=online_mix)
    np.random.seed(1)
    lam_bb = float(np.random.beta(2.0, 2.0, 2)[1])
    np.random.seed(1)
    torch.manual_seed(2)
    torch.randperm(n)
    idx_bb = torch.randperm(n)
    torch.manual_seed(2)
    before = int(bn[0].num_batches_tracked)
    # a margin of 0.5 holds for every λ: the backbone branch is plain mixup
    list(automix_branches(x, torch.arange(n) % 5, ema, online, block,
                          StepOptions(num_classes=5, alpha=2.0, lam_margin=0.5)))
    assert int(bn[0].num_batches_tracked) - before == 2
    torch.testing.assert_close(seen['x_bb'], lam_bb * x + (1 - lam_bb) * x[idx_bb])
