"""Mix Block math against the formula written out directly (docs/method.md §2.3-2.4)."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmautomix.models import PixelMixBlock


def direct_mask(block, z, lam, idx, s, mode='nearest'):
    """The official formula with explicit λ channels and a separate key pass."""
    z_i, z_j = z, z[idx]
    if block.lam_concat:
        ones = torch.ones_like(z[:, :1])
        z_i = torch.cat([z_i, lam * ones], 1)
        z_j = torch.cat([z_j, (1 - lam) * ones], 1)
    n, _, h, w = z.shape
    v = block.value(z_j).view(n, 1, h * w)                   # value from the paired sample
    q = block.query(z_i).view(n, -1, h * w).permute(0, 2, 1)
    k = block.query(z_j).view(n, -1, h * w)                   # key shares W_q
    p = torch.softmax(q @ k / math.sqrt(block.inter_channels), dim=-1)
    m = (p @ v.permute(0, 2, 1)).permute(0, 2, 1).reshape(n, 1, h, w)
    kw = {} if mode == 'nearest' else dict(align_corners=False)
    m = torch.sigmoid(F.interpolate(m, scale_factor=s, mode=mode, **kw))
    return torch.cat([1 - m, m], 1)


def _block(**kw):
    torch.manual_seed(0)
    block = PixelMixBlock(in_channels=16, **kw)
    block.init_weights()
    for p in block.parameters():  # larger weights so the attention is not uniform
        p.data.normal_(0, 0.3)
    return block


@pytest.mark.parametrize('lam_concat', [False, True])
@pytest.mark.parametrize('mode', ['nearest', 'bilinear'])
def test_mask_matches_direct_formula(lam_concat, mode):
    block = _block(lam_concat=lam_concat, unsampling_mode=mode)
    z = torch.randn(5, 16, 4, 4)
    idx = torch.tensor([3, 0, 4, 1, 2])
    got = block(z, 0.3, idx, 4)
    want = direct_mask(block, z, 0.3, idx, 4, mode)
    assert got.shape == (5, 2, 16, 16)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert torch.allclose(got.sum(1), torch.ones(5, 16, 16))
    assert got.min() >= 0 and got.max() <= 1
    # the mask is not constant: the block really depends on the features
    assert got[:, 1].std() > 1e-3


def test_shared_projections_serve_calls_with_other_lambda_and_pairing():
    """One projection of z, reused by two calls that differ in λ and in the pairing (as
    a step's Mix Block and backbone branches do), gives each call the direct formula's
    mask, with the λ channel entering through the bias."""
    block = _block(lam_concat=True)
    z = torch.randn(4, 16, 4, 4)
    proj = block.project(z)
    for lam, idx in ((0.7, torch.tensor([1, 2, 3, 0])), (0.2, torch.tensor([3, 2, 0, 1]))):
        got = block(z, lam, idx, 2, up_mode='nearest', projections=proj)
        torch.testing.assert_close(got, direct_mask(block, z, lam, idx, 2), rtol=1e-5,
                                   atol=1e-6)
    first = block(z, 0.7, torch.tensor([1, 2, 3, 0]), 2, projections=proj)
    assert not torch.allclose(first, got)     # the two calls really differ


def test_lambda_channel_changes_the_mask():
    block = _block(lam_concat=True)
    z = torch.randn(4, 16, 4, 4)
    idx = torch.randperm(4)
    assert not torch.allclose(block(z, 0.1, idx, 2), block(z, 0.9, idx, 2))
    plain = _block(lam_concat=False)
    torch.testing.assert_close(plain(z, 0.1, idx, 2), plain(z, 0.9, idx, 2))


def test_init_is_reference():
    block = PixelMixBlock(in_channels=256)
    block.init_weights()
    assert abs(block.query.weight.std().item() - 0.01) < 0.002
    assert block.query.bias.abs().max() == 0 and block.value.bias.abs().max() == 0
    assert block.query.weight.shape == (128, 256, 1, 1)
    assert block.value.weight.shape == (1, 256, 1, 1)


def test_mask_loss_l1_with_margin():
    block = PixelMixBlock(in_channels=8, mask_loss_margin=0.1)
    mask_j = torch.full((2, 1, 4, 4), 0.2)
    mask = torch.cat([1 - mask_j, mask_j], 1)
    # |1 - 0.2 - 0.5| - 0.1 = 0.2
    assert block.mask_loss(mask, 0.5).item() == pytest.approx(0.2)
    # inside the margin: |1 - 0.2 - 0.75| = 0.05 < 0.1
    assert block.mask_loss(mask, 0.75).item() == 0.0


def test_mask_loss_variance_term_rewards_contrast():
    block = PixelMixBlock(in_channels=8, mask_loss_mode='L1+Variance')
    m = torch.zeros(1, 1, 2, 2)
    m[..., 0, :] = 1.0                   # mean 0.5, variance 0.25
    mask = torch.cat([1 - m, m], 1)
    assert block.mask_loss(mask, 0.5).item() == pytest.approx(0 - 2 * 0.25)


def test_bad_input_names_the_key():
    block = PixelMixBlock(in_channels=16)
    with pytest.raises(ValueError, match=r'mix_block.in_channels=16'):
        block(torch.randn(2, 32, 4, 4), 0.5, torch.tensor([1, 0]), 2)
    with pytest.raises(ValueError, match='mix_block.unsampling_mode'):
        PixelMixBlock(in_channels=16, unsampling_mode='cubic')
    with pytest.raises(ValueError, match='mix_block.mask_loss_mode'):
        PixelMixBlock(in_channels=16, mask_loss_mode='L3')
    with pytest.raises(ValueError, match='mix_block.in_channels'):
        PixelMixBlock(in_channels=0)


def test_attention_entropy_of_the_last_call_against_the_direct_attention():
    """``last_attention_entropy`` is H(P) / log(HW) of the call's attention, averaged
    over samples and query positions (the direct formula in float64); zero query
    weights make P uniform and the entropy exactly 1."""
    block = _block()
    torch.manual_seed(1)
    z, idx = torch.randn(3, 16, 4, 4), torch.tensor([2, 0, 1])
    with torch.no_grad():
        block(z, 0.3, idx, 2)
        q = block.query(z).double().view(3, -1, 16).permute(0, 2, 1)
        k = block.query(z[idx]).double().view(3, -1, 16)
    p = torch.softmax(q @ k / math.sqrt(block.inter_channels), dim=-1)
    direct = float(-(p * p.log()).sum(-1).mean() / math.log(16))
    assert 0.05 < direct < 0.95        # weights N(0, 0.3): attention far from uniform
    assert float(block.last_attention_entropy) == pytest.approx(direct, rel=1e-5)
    torch.nn.init.zeros_(block.query.weight)
    torch.nn.init.zeros_(block.query.bias)
    block(z, 0.3, idx, 2)
    assert float(block.last_attention_entropy) == pytest.approx(1.0, abs=1e-6)


def test_attention_init_std_sets_only_the_query_and_key_weights():
    """``attention_init_std`` initialises W_q and W_k (SAMix's x_qk_concat) with its
    standard deviation and every other convolution with the official 0.01; a value that
    is not a positive number names the key."""
    torch.manual_seed(0)
    block = PixelMixBlock(in_channels=64, x_qk_concat=True, attention_init_std=0.3)
    block.init_weights()
    assert float(block.query.weight.std()) == pytest.approx(0.3, rel=0.05)
    assert float(block.key.weight.std()) == pytest.approx(0.3, rel=0.05)
    assert float(block.value.weight.std()) == pytest.approx(0.01, rel=0.5)
    torch.manual_seed(0)
    official = PixelMixBlock(in_channels=64, x_qk_concat=True)
    official.init_weights()
    assert float(official.query.weight.std()) == pytest.approx(0.01, rel=0.05)
    for bad in (0, -0.1, True, '0.3'):
        with pytest.raises(ValueError, match=r'mix_block.attention_init_std=.*expected a '
                                             r'standard deviation > 0'):
            PixelMixBlock(in_channels=64, attention_init_std=bad)
