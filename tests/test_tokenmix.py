"""TokenMix (issue 30): the masked count, block and scattered masks, the mask recovered
from the mixed pixels with its label, the teacher's label against its class activation
maps, and the bad-input errors."""
import random

import numpy as np
import pytest
import torch

from mmautomix.core.tokenmix import block_token_mask, masked_token_count, random_token_mask
from mmautomix.registry import BATCH_AUGMENTS


def test_the_masked_count_is_half_the_grid_plus_the_minimum():
    assert masked_token_count(196, 14) == 112          # DeiT at 224 px: 14 × 14 tokens
    assert masked_token_count(49, 3) == 27
    assert masked_token_count(16, 14) == 16            # never more than the grid


def test_block_masks_cover_the_count_in_rectangles_and_random_masks_exactly():
    random.seed(0)
    sizes = []
    for _ in range(20):
        m = block_token_mask(14, 14, 112)
        sizes.append(int(m.sum()))
        assert set(np.unique(m)) <= {0, 1}
    # blocks are added while they cover new tokens, never past the count
    assert max(sizes) == 112 and min(sizes) > 56
    np.random.seed(0)
    m = random_token_mask(7, 7, 27)
    assert m.shape == (7, 7) and m.sum() == 27


def test_a_tokenmix_batch_shows_the_pair_exactly_on_its_masked_tokens():
    """switch_prob=1: each masked 4-px token of image i holds image N − 1 − i's pixels,
    every other token its own; the label weight is the kept share of tokens."""
    aug = BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', switch_prob=1.0,
                                    patch_size=4, minimum_tokens=3))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 1, 28, 28, generator=g)
    y = torch.eye(4)
    random.seed(1)
    np.random.seed(1)
    mixed, scores = aug(x, y)
    mask = aug.last_mask
    assert mask.shape == (7, 7) and 0 < int(mask.sum()) <= 27
    for i in range(4):
        for r in range(7):
            for c in range(7):
                tile = (slice(None), slice(4 * r, 4 * r + 4), slice(4 * c, 4 * c + 4))
                src = x[3 - i] if mask[r, c] else x[i]
                assert torch.equal(mixed[i][tile], src[tile])
    kept = 1 - float(mask.float().mean())
    for i in range(4):
        want = torch.zeros(4)
        want[i] += kept
        want[3 - i] += 1 - kept
        torch.testing.assert_close(scores[i], want)


def test_a_mixup_batch_keeps_mixups_label():
    aug = BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', switch_prob=0.0,
                                    patch_size=4))
    x, y = torch.randn(2, 1, 8, 8), torch.eye(2)
    np.random.seed(0)
    np.random.rand()
    lam = float(np.random.beta(0.8, 0.8))
    np.random.seed(0)
    mixed, scores = aug(x, y)
    torch.testing.assert_close(mixed, lam * x + (1 - lam) * x.flip(0))
    torch.testing.assert_close(scores[0], torch.tensor([lam, 1 - lam]))


@pytest.mark.parametrize('kw, match', [
    (dict(mask_type='grid'), r"augments.mask_type='grid': expected one of"),
    (dict(switch_prob=-1), r'augments.switch_prob=-1: expected a probability'),
    (dict(patch_size=0), r'augments.patch_size=0: expected the ViT'),
])
def test_bad_tokenmix_options_fail_at_build_naming_the_key(kw, match):
    with pytest.raises(ValueError, match=match):
        BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', **kw))


def test_a_patch_size_that_does_not_tile_the_image_is_named():
    aug = BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', switch_prob=1.0,
                                    patch_size=16))
    with pytest.raises(ValueError, match=r'augments.patch_size=16: the 28x28 images are '
                                         r'not a whole number of 16-px tokens'):
        aug(torch.randn(2, 1, 28, 28), torch.eye(2))


TEACHER = dict(type='ImageClassifier',
               backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8),
               neck=dict(type='GlobalAveragePooling'),
               head=dict(type='LinearClsHead', num_classes=4, in_channels=64))


def write_teacher(tmp_path, model_cfg=TEACHER):
    """A teacher config and checkpoint on disk, as a user gives them."""
    from mmautomix.registry import MODELS
    cfg = tmp_path / 'teacher.py'
    cfg.write_text(f'model = {model_cfg!r}\n')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'teacher.pth')
    return dict(config=str(cfg), checkpoint=str(tmp_path / 'teacher.pth')), model


def test_a_teacher_labels_each_image_by_the_share_of_its_class_map_it_contributes(tmp_path):
    """switch_prob=1, 32-px images of 8-px tokens (a 4 × 4 grid). The teacher's map is its
    linear head applied at each location of its last feature map (a 1 × 1 convolution
    here; averaged over the locations it gives the teacher's logits), its softmax's
    channel of the image's class resized bilinearly to the grid and normalised; image
    i's weight sums its map over its kept tokens, its pair's weight the pair's map over
    the masked tokens."""
    import torch.nn.functional as F
    teacher, model = write_teacher(tmp_path)
    model.eval()
    aug = BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', switch_prob=1.0,
                                    patch_size=8, minimum_tokens=2, teacher=teacher))
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([2, 0, 3, 1])
    random.seed(0)
    np.random.seed(0)
    _, scores = aug(x, torch.eye(4)[labels])
    mask = aug.last_mask.float()
    with torch.no_grad():
        feats = model.backbone(x)[-1]
        fc = model.head.fc
        cam = F.conv2d(feats, fc.weight[:, :, None, None], fc.bias)
        torch.testing.assert_close(cam.mean(dim=(2, 3)), model.head(model.neck((feats, ))),
                                   rtol=1e-5, atol=1e-5)
        prob = cam.softmax(dim=1)
    for i in range(4):
        j = 3 - i
        maps = [F.interpolate(prob[k:k + 1, labels[k]][None], size=(4, 4), mode='bilinear',
                              align_corners=False)[0, 0] for k in (i, j)]
        maps = [m / m.sum() for m in maps]
        w_i = sum(float(maps[0][r, c]) for r in range(4) for c in range(4) if not mask[r, c])
        w_j = sum(float(maps[1][r, c]) for r in range(4) for c in range(4) if mask[r, c])
        want = torch.zeros(4)
        want[labels[i]] += w_i
        want[labels[j]] += w_j
        torch.testing.assert_close(scores[i], want, rtol=1e-4, atol=1e-6)
    assert 0 < int(mask.sum()) < 16


@pytest.mark.parametrize('teacher, match', [
    (dict(config='t.py'), r"augments.teacher=\{'config': 't.py'\}: expected dict\(config"),
    ('NECK', r'augments.teacher.config=.*GlobalAveragePooling neck and a LinearClsHead; '
             r'got neck NoneType'),
])
def test_a_bad_teacher_is_named(teacher, match, tmp_path):
    if teacher == 'NECK':
        teacher, _ = write_teacher(tmp_path, {k: v for k, v in TEACHER.items() if k != 'neck'})
    with pytest.raises(ValueError, match=match):
        BATCH_AUGMENTS.build(dict(type='mmautomix.TokenMix', teacher=teacher))
