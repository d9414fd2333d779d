"""SMMix (issue 30): the attention each patch receives, recomputed from a real mmpretrain
ViT layer; the windows and the swap against loops written out here; and one SMMix step
whose three losses are recomputed independently from the model's own passes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmautomix.core.smmix import (consistency_loss, masked_token_mean, swap_regions,
                                  window_corners)
from mmautomix.core.vit_attention import patch_attention
from mmautomix.registry import MODELS
from test_transmix import VIT, full_attention, tiny_vit


def test_the_patch_attention_is_the_layers_own_averaged_over_heads_and_queries():
    vit = tiny_vit()
    attn = vit.layers[-1].attn
    seen = {}
    attn.register_forward_pre_hook(lambda m, args: seen.update(tokens=args[0]))
    with torch.no_grad():
        vit(torch.randn(3, 3, 32, 32))
    p, _ = full_attention(attn, seen['tokens'])       # 3 × 4 heads × 17 × 17
    a = patch_attention(seen['tokens'], attn.qkv, attn.num_heads, num_extra_tokens=1)
    want = torch.stack([torch.stack([p[n, :, q, 1:] for q in range(1, 17)]).mean(dim=(0, 1))
                        for n in range(3)])
    torch.testing.assert_close(a, want, rtol=1e-5, atol=1e-6)
    assert a.shape == (3, 16) and not a.requires_grad


def brute_force_windows(attention, grid, side):
    """Each window's attention summed in loops; (row, col) of the first minimum and the
    first maximum in row-major order."""
    out = []
    for a in attention.view(-1, grid, grid):
        sums = {(r, c): float(a[r:r + side, c:c + side].sum())
                for r in range(grid - side + 1) for c in range(grid - side + 1)}
        lo = min(sums, key=lambda k: (sums[k], k))
        hi = max(sums, key=lambda k: (sums[k], -k[0], -k[1]))
        out.append((lo, hi))
    return out


def test_the_least_and_most_attended_windows_match_a_loop():
    g = torch.Generator().manual_seed(0)
    attention = torch.rand(5, 49, generator=g)
    for side in (1, 2, 3, 5, 7):
        lo, hi = window_corners(attention, 7, side)
        for i, (want_lo, want_hi) in enumerate(brute_force_windows(attention, 7, side)):
            assert tuple(lo[i].tolist()) == want_lo and tuple(hi[i].tolist()) == want_hi
    with pytest.raises(ValueError, match='a window of side 8 does not fit a 7x7'):
        window_corners(attention, 7, 8)


def test_each_image_takes_its_pairs_most_attended_window_into_its_least_attended():
    """4 images of 4 × 4 patches of 2 px, window side 2. Attention written so that image
    i's minimum window has its corner at (i % 3, 0) and its maximum at (2, i % 3); the
    mixed image i holds image 3 − i's maximum window there, patch for patch, and its own
    pixels elsewhere."""
    n, grid, ps, side = 4, 4, 2, 2
    x = torch.randn(n, 3, grid * ps, grid * ps)
    attention = torch.full((n, grid, grid), 0.5)
    for i in range(n):
        attention[i, i % 3:i % 3 + 2, 0:2] = 0.0          # the least attended
        attention[i, 2:4, i % 3:i % 3 + 2] += 1.0          # the most attended
    attention = attention.flatten(1)
    mixed, source_mask = swap_regions(x, attention, grid, side)
    for i in range(n):
        j = n - 1 - i
        lo = brute_force_windows(attention[i:i + 1], grid, side)[0][0]
        hi = brute_force_windows(attention[j:j + 1], grid, side)[0][1]
        want = x[i].clone()
        want[:, lo[0] * ps:(lo[0] + side) * ps, lo[1] * ps:(lo[1] + side) * ps] = \
            x[j, :, hi[0] * ps:(hi[0] + side) * ps, hi[1] * ps:(hi[1] + side) * ps]
        torch.testing.assert_close(mixed[i], want, rtol=0, atol=0)
        mask = torch.zeros(grid, grid, dtype=torch.bool)
        mask[lo[0]:lo[0] + side, lo[1]:lo[1] + side] = True
        assert torch.equal(source_mask[i], mask.flatten())
    with pytest.raises(ValueError, match='a 8x6 image is not a 4x4 grid'):
        swap_regions(x[..., :6], attention, grid, side)


def test_the_consistency_and_the_token_means_against_hand_formulas():
    g = torch.Generator().manual_seed(2)
    z, z0 = torch.randn(4, 5, generator=g), torch.randn(4, 5, generator=g)
    lam = 0.3
    p = torch.softmax(lam * z0 + (1 - lam) * z0.flip(0), dim=1)
    want = (p * (p.log() - torch.log_softmax(z, dim=1))).sum() / 4
    torch.testing.assert_close(consistency_loss(z, z0, lam), want)
    tokens = torch.randn(2, 3, 4, generator=g)
    mask = torch.tensor([[True, False, True], [False, False, True]])
    torch.testing.assert_close(masked_token_mean(tokens, mask),
                               torch.stack([(tokens[0, 0] + tokens[0, 2]) / 2, tokens[1, 2]]))


def smmix(**kw):
    cfg = dict(type='mmautomix.SMMix', backbone=VIT,
               head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=32,
                         loss=dict(type='CrossEntropyLoss', use_soft=True)),
               data_preprocessor=dict(num_classes=5))
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    return model


def test_an_smmix_step_recomputed_from_the_models_own_passes():
    """switch_prob=1 on a 4 × 4 token grid (sides ⌊1⌋ to ⌊3⌋): the attention is that of
    the clean images in evaluation mode, λ = 1 − s²/16, the mixed images are the swap
    of that attention, and the class, fine and consistency losses equal the formulas
    applied to the model's own logits and final tokens."""
    model = smmix(switch_prob=1.0)
    assert model.grid == 4 and model.sides == (1, 3)
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    labels = [0, 1, 2, 3]
    samples = [DataSample().set_gt_label(i) for i in labels]
    np.random.seed(5)
    losses = model.loss(x, samples)
    assert model.training
    mix = model.last_mix
    side, lam = mix['side'], mix['lam']
    assert mix['smmix'] and 1 <= side <= 3 and lam == pytest.approx(1 - side ** 2 / 16)
    # the clean pass: the last layer's input tokens, the attention each patch receives
    seen = {}
    hooks = [model.attention.register_forward_pre_hook(
                 lambda m, args: seen.update(tokens=args[0])),
             model.backbone.layers[-1].register_forward_hook(
                 lambda m, args, out: seen.update(last=out))]
    model.eval()
    with torch.no_grad():
        z0 = model.head(model.extract_feat(x))
    p, _ = full_attention(model.attention, seen['tokens'])
    torch.testing.assert_close(mix['attention'], p[:, :, 1:, 1:].mean(dim=(1, 2)),
                               rtol=1e-5, atol=1e-6)
    mixed, source = swap_regions(x, mix['attention'], 4, side)
    assert torch.equal(source, mix['source_mask']) and int(source[0].sum()) == side ** 2
    # the mixed pass, in evaluation mode (no dropout in this ViT: the same numbers)
    with torch.no_grad():
        z = model.head(model.extract_feat(mixed))
        tokens = model.backbone.ln1(seen['last'])[:, 1:]
    for h in hooks:
        h.remove()
    y = F.one_hot(torch.tensor(labels), 5).float()
    target = lam * y + (1 - lam) * y.flip(0)
    torch.testing.assert_close(losses['loss'], -(target * z.log_softmax(1)).sum(1).mean())
    fine = 0
    for m, t in ((~source, y), (source, y.flip(0))):
        mean = (tokens * m[..., None]).sum(1) / m.sum(1, keepdim=True)
        fine = fine - (t * model.token_head(mean).log_softmax(1)).sum(1).mean()
    torch.testing.assert_close(losses['loss_fine'], fine / 2)
    q = torch.softmax(lam * z0 + (1 - lam) * z0.flip(0), dim=1)
    kl = (q * (q.log() - z.log_softmax(1))).sum() / 4
    torch.testing.assert_close(losses['loss_consistency'], kl)
    # the gradient reaches the token head and the backbone
    sum(losses.values()).backward()
    assert model.token_head.weight.grad.abs().sum() > 0
    assert model.backbone.layers[0].attn.qkv.weight.grad.abs().sum() > 0


def test_a_mixup_step_has_mixups_label_and_the_heads_loss_only():
    model = smmix(switch_prob=0.0)
    x = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    np.random.seed(0)
    np.random.rand()   # the switch's draw comes first, then λ
    lam = float(np.random.beta(0.8, 0.8))
    np.random.seed(0)
    losses = model.loss(x, samples)
    assert set(losses) == {'loss'} and not model.last_mix['smmix']
    assert model.last_mix['lam'] == pytest.approx(lam)
    torch.testing.assert_close(samples[0].gt_score, torch.tensor([lam, 1 - lam, 0, 0, 0]))


@pytest.mark.parametrize('kw, match', [
    (dict(backbone=dict(type='ResNet_CIFAR', depth=18)),
     r"model.backbone.type='ResNet_CIFAR': SMMix reads the class token"),
    (dict(switch_prob=-0.1), r'model.switch_prob=-0.1: expected a probability'),
    (dict(mixup_alpha=0), r'model.mixup_alpha=0: expected a float > 0'),
    (dict(min_side_ratio=0.2), r'model.min_side_ratio=0.2, model.max_side_ratio=0.75: '
                               r'expected 0 < ⌊g·min⌋ <= ⌊g·max⌋ on the 4x4 token grid'),
    (dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0))),
     r'model.train_cfg.augments: SMMix makes its own mixed samples'),
])
def test_bad_smmix_options_fail_at_build_naming_the_key(kw, match):
    with pytest.raises(Exception, match=match):
        smmix(**kw)
