"""MixPro (issue 30): MaskMix's grid recovered from the mixed pixels, the progressive
label and PAL's loss against hand computations, a MaskMix step's attention share against
an independent recomputation on a real mmpretrain ViT, and the grid checks."""
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmautomix.core.mixpro import maskmix_masks, pal_loss, progressive_lambda
from mmautomix.registry import MODELS
from test_transmix import VIT, full_attention


def mixpro(**kw):
    cfg = dict(type='mmautomix.MixPro', backbone=VIT, mask_patch_size=16,
               head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=32,
                         loss=dict(type='CrossEntropyLoss', use_soft=True)),
               data_preprocessor=dict(num_classes=5))
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    return model


def test_maskmix_keeps_whole_mask_patches_in_the_drawn_share():
    """ρ = 0.3 on a 4 × 4 grid: each image keeps ⌈0.3 · 16⌉ = 5 of its mask patches."""
    np.random.seed(0)
    masks = maskmix_masks(6, 4, 0.3)
    assert masks.shape == (6, 4, 4) and (masks.reshape(6, -1).sum(1) == 5).all()
    assert len({m.tobytes() for m in masks}) > 1       # drawn per image


def test_the_progressive_label_and_pals_loss_by_hand():
    """s = 1 takes the attention share, s = 0 the area; the loss is the λ-weighted sum
    of the two cross-entropies, with s the cosine of the prediction and the target."""
    lam = progressive_lambda(torch.tensor([0.9, 0.9]), torch.tensor([0.25, 0.25]),
                             torch.tensor([1.0, 0.0]))
    assert lam.tolist() == pytest.approx([0.9, 0.25])
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    target = torch.tensor([[0.7, 0.3, 0.0]])
    p = torch.softmax(logits, -1)[0]
    s = float((p @ target[0]) / (p.norm() * target[0].norm()))
    lam = s * 0.6 + (1 - s) * 0.7
    ce = -torch.log_softmax(logits, -1)[0]
    want = lam * ce[0] + (1 - lam) * ce[1]
    got = pal_loss(logits, target, torch.tensor([0]), torch.tensor([1]),
                   torch.tensor([0.6]), torch.tensor([0.7]))
    assert float(got) == pytest.approx(float(want), rel=1e-6)


def test_a_maskmix_step_labels_by_attention_progressively():
    """maskmix_prob=1: the mixed images are A or B patch by patch on the 2 × 2 grid of
    16-px mask patches, in the drawn share; PAL's attention share is A's share of the
    class token's attention recomputed here on the mixed images; the loss is PAL's."""
    model = mixpro(maskmix_prob=1.0)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(4, 3, 32, 32, generator=g)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    seen = {}
    model.backbone.register_forward_pre_hook(lambda m, args: seen.update(mixed=args[0]))
    np.random.seed(5)
    loss = model.loss(x, samples)['loss']
    mix = model.last_mix
    index, mixed = mix['index'], seen['mixed']
    own = torch.zeros(4, 2, 2)
    for i in range(4):
        for r in range(2):
            for c in range(2):
                tile = (slice(r * 16, r * 16 + 16), slice(c * 16, c * 16 + 16))
                if torch.equal(mixed[i][(slice(None), ) + tile], x[i][(slice(None), ) + tile]):
                    own[i, r, c] = 1
                else:
                    assert torch.equal(mixed[i][(slice(None), ) + tile],
                                       x[index[i]][(slice(None), ) + tile])
    assert torch.equal(own, mix['masks'].float())
    assert mix['lam'].tolist() == pytest.approx(own.flatten(1).mean(1).tolist())
    tokens = {}
    model.attention.register_forward_pre_hook(lambda m, args: tokens.update(t=args[0]))
    with torch.no_grad():
        logits = model.head(model.extract_feat(mixed))
    p, _ = full_attention(model.attention, tokens['t'])
    a = p[:, :, 0, 1:].mean(dim=1).view(4, 4, 4)             # the 4 × 4 token grid
    m = own.repeat_interleave(2, 1).repeat_interleave(2, 2)
    share = (a * m).sum((1, 2)) / a.sum((1, 2))
    torch.testing.assert_close(mix['lam_attn'], share, rtol=1e-5, atol=1e-6)
    target = torch.stack([ds.gt_score for ds in samples]) * 0.9 + 0.1 / 5
    labels = torch.arange(4)
    want = pal_loss(logits, target, labels, labels[index], share, mix['lam'])
    assert float(loss) == pytest.approx(float(want), rel=1e-5)
    assert loss.requires_grad


@pytest.mark.parametrize('kw, match', [
    (dict(mask_patch_size=12), r'model.mask_patch_size=12: expected a multiple of the '
                               r'patch size 8 that divides the image size 32'),
    (dict(mask_patch_size=24), r'model.mask_patch_size=24: expected a multiple'),
    (dict(maskmix_prob=2), r'model.maskmix_prob=2: expected a probability'),
    (dict(backbone=dict(type='ResNet_CIFAR', depth=18)),
     r"model.backbone.type='ResNet_CIFAR': MixPro reads the class token"),
])
def test_bad_mixpro_options_fail_at_build_naming_the_key(kw, match):
    with pytest.raises(Exception, match=match):
        mixpro(**kw)


def test_other_batches_are_mixup_or_cutmix_labelled_by_area():
    model = mixpro(maskmix_prob=0.0, switch_prob=0.0)
    x = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    np.random.seed(0)
    np.random.rand(), np.random.rand()       # the MaskMix switch, then timm's
    lam = float(np.random.beta(0.8, 0.8))
    np.random.seed(0)
    model.loss(x, samples)
    assert not model.last_mix['maskmix'] and model.last_mix['lam'] == pytest.approx(lam)
    torch.testing.assert_close(samples[0].gt_score, torch.tensor([lam, 1 - lam, 0, 0, 0]))
