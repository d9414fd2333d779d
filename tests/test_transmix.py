"""TransMix (issue 30's first method): the class token's attention recomputed from a real
mmpretrain ViT layer, the label rule against hand computations, the box at the patch
grid, and a CutMix step whose soft targets follow the attention."""
import numpy as np
import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.structures import DataSample

from mmautomix.core.transmix import box_at_patch_grid, transmix_lambda
from mmautomix.core.vit_attention import class_token_attention
from mmautomix.registry import MODELS

VIT = dict(type='VisionTransformer',
           arch=dict(embed_dims=32, num_layers=2, num_heads=4, feedforward_channels=64),
           img_size=32, patch_size=8, in_channels=3, drop_rate=0.0)


def tiny_vit():
    torch.manual_seed(0)
    vit = VisionTransformer(**{k: v for k, v in VIT.items() if k != 'type'})
    vit.init_weights()
    vit.eval()   # (mmpretrain's ViT.train returns None)
    return vit


def full_attention(attn, tokens):
    """P = softmax(q kᵀ / √d) of every head, written out from the layer's weights."""
    n, t, c = tokens.shape
    h = attn.num_heads
    qkv = tokens @ attn.qkv.weight.T + attn.qkv.bias
    q, k, v = (qkv[..., i * c:(i + 1) * c].reshape(n, t, h, c // h).transpose(1, 2)
               for i in range(3))
    return torch.softmax(q @ k.transpose(-2, -1) / (c // h) ** 0.5, dim=-1), v


def test_the_class_token_attention_is_the_one_the_layer_used():
    """Recomputed from the last layer's input, P reproduces that layer's output
    (proj(P v)), and the class token's row over the patches, averaged over the heads, is
    what class_token_attention returns."""
    vit = tiny_vit()
    attn = vit.layers[-1].attn
    seen = {}
    attn.register_forward_hook(lambda m, args, out: seen.update(tokens=args[0], out=out))
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        vit(x)
    tokens = seen['tokens']
    p, v = full_attention(attn, tokens)
    n, t, c = tokens.shape
    out = attn.proj((p @ v).transpose(1, 2).reshape(n, t, c))
    torch.testing.assert_close(out, seen['out'], rtol=1e-4, atol=1e-5)
    a = class_token_attention(tokens, attn.qkv, attn.num_heads, num_extra_tokens=1)
    assert a.shape == (3, 16)
    torch.testing.assert_close(a, p[:, :, 0, 1:].mean(dim=1), rtol=1e-5, atol=1e-6)
    assert not a.requires_grad


def test_the_label_rule_against_a_hand_computation():
    """Two samples, a 2×2 grid, B pasted on the top-left patch (a quarter of the
    pixels). Sample 0 puts 0.4 of its 0.9 patch attention there: B's share 4/9, so
    λ_B = (1/4 + 4/9) / 2 officially and 4/9 by the paper's rule."""
    attention = torch.tensor([[0.4, 0.2, 0.2, 0.1],
                              [0.0, 0.5, 0.25, 0.25]])
    patches = box_at_patch_grid((0, 4, 0, 4), (8, 8), (2, 2))
    assert patches.tolist() == [1, 0, 0, 0]
    official = transmix_lambda(attention, patches, 0.25)
    paper = transmix_lambda(attention, patches, 0.25, rule='paper')
    assert official.tolist() == pytest.approx([(0.25 + 4 / 9) / 2, (0.25 + 0) / 2])
    assert paper.tolist() == pytest.approx([4 / 9, 0.0])
    with pytest.raises(ValueError, match=r"label_rule='area': expected one of"):
        transmix_lambda(attention, patches, 0.25, rule='area')


def test_the_box_reaches_the_grid_by_nearest_neighbour():
    """8 px → 2 patches: the nearest pixel of patch j is pixel 4j, so a box of rows
    [0, 5) covers both patch rows and one of rows [0, 4) only the first."""
    assert box_at_patch_grid((0, 5, 0, 5), (8, 8), (2, 2)).tolist() == [1, 1, 1, 1]
    assert box_at_patch_grid((0, 4, 4, 8), (8, 8), (2, 2)).tolist() == [0, 1, 0, 0]


def transmix(**kw):
    cfg = dict(type='mmautomix.TransMix', backbone=VIT,
               head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=32,
                         loss=dict(type='CrossEntropyLoss', use_soft=True)),
               data_preprocessor=dict(num_classes=5))
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    return model


def test_a_cutmix_step_labels_each_image_by_its_attention():
    """switch_prob=1: a CutMix batch. The mixed images hold B's pixels exactly inside
    the box and A's outside; each soft target is (1 − λ_B) y_A + λ_B y_B with λ_B from
    the attention recomputed here on the mixed images."""
    model = transmix(switch_prob=1.0)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 3, 32, 32, generator=g)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    seen = {}
    model.backbone.register_forward_pre_hook(lambda m, args: seen.update(mixed=args[0]))
    np.random.seed(3)
    losses = model.loss(x, samples)
    assert torch.isfinite(losses['loss'])
    mix = model.last_mix
    assert mix['cutmix'] and mix['index'].tolist() == [3, 2, 1, 0]
    mixed = seen['mixed']
    differs = (mixed != x).any(dim=(0, 1))      # the pixels B replaced
    ys, xs = torch.nonzero(differs, as_tuple=True)
    yl, yh, xl, xh = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    assert differs[yl:yh, xl:xh].all() and differs.sum() == (yh - yl) * (xh - xl)
    torch.testing.assert_close(mixed[..., yl:yh, xl:xh], x.flip(0)[..., yl:yh, xl:xh])
    # the attention of the last layer on the mixed images, recomputed independently
    tokens = {}
    model.attention.register_forward_pre_hook(lambda m, args: tokens.update(t=args[0]))
    with torch.no_grad():
        model.backbone(mixed)
    p, _ = full_attention(model.attention, tokens['t'])
    a = p[:, :, 0, 1:].mean(dim=1)                 # 4 × 16 patches of 8 px
    m = box_at_patch_grid((yl, yh, xl, xh), (32, 32), (4, 4)).view(4, 4)
    area = (yh - yl) * (xh - xl) / 32 ** 2
    lam_b = (area + (a * m.flatten()).sum(1) / a.sum(1)) / 2
    for i, ds in enumerate(samples):
        want = torch.zeros(5)
        want[i] += 1 - lam_b[i]
        want[3 - i] += lam_b[i]
        torch.testing.assert_close(ds.gt_score, want, rtol=1e-5, atol=1e-6)


def test_a_mixup_step_keeps_mixups_label():
    model = transmix(switch_prob=0.0)
    x = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    np.random.seed(0)
    np.random.rand()   # the switch's draw comes first, then λ
    lam = float(np.random.beta(0.8, 0.8))
    np.random.seed(0)
    model.loss(x, samples)
    assert not model.last_mix['cutmix'] and model.last_mix['lam'] == pytest.approx(lam)
    torch.testing.assert_close(samples[0].gt_score, torch.tensor([lam, 1 - lam, 0, 0, 0]))


@pytest.mark.parametrize('kw, match', [
    (dict(backbone=dict(type='ResNet_CIFAR', depth=18)),
     r"model.backbone.type='ResNet_CIFAR': TransMix reads the class token"),
    (dict(label_rule='area'), r"model.label_rule='area': expected one of"),
    (dict(switch_prob=1.5), r'model.switch_prob=1.5: expected a probability'),
    (dict(cutmix_alpha=0), r'model.cutmix_alpha=0: expected a float > 0'),
    (dict(head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=32,
                    loss=dict(type='CrossEntropyLoss'))),
     r'model.head.loss.use_soft=False: TransMix trains on mixed'),
])
def test_bad_transmix_options_fail_at_build_naming_the_key(kw, match):
    with pytest.raises(Exception, match=match):
        transmix(**kw)

