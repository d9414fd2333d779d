"""SaliencyMix: paste the most salient box of the paired image.

"SaliencyMix: A Saliency Guided Data Augmentation Strategy for Better Regularization",
Uddin et al., ICLR 2021 (official code: github.com/SaliencyMix/SaliencyMix; the
reference tables use OpenMixup's copy).

Per batch: λ ~ Beta(α, α); OpenCV's fine-grained static saliency (Montabone & Soto,
2010) of ONE source image, x[index[0]] (as in the official code, the input as it
reaches the model: normalised, in fp32), gives the peak p; the box of side
√(1−λ)·H × √(1−λ)·W centred on p (clipped to the image) is pasted from x[index] into
every x of the batch. The label weight of x is recomputed from the box actually
pasted: λ' = 1 − box area / HW.

Needs OpenCV's contrib module (``cv2.saliency``): the ``opencv-contrib-python-headless``
wheel, installed by ``tools/install.sh``. Reported tables (docs/reported_results.md): α = 0.2 on CIFAR-10/100
and Tiny-ImageNet, α = 1 on ImageNet. Defaults and behaviour are the official ones.
"""
from typing import Tuple

import numpy as np
import torch

from mmautomix.registry import BATCH_AUGMENTS
from .mask_mix import AUGMENT_KEY, MaskMix


def saliency_detector():
    """OpenCV's fine-grained static saliency detector, or an error saying how to get it."""
    try:
        import cv2
        return cv2.saliency.StaticSaliencyFineGrained_create()
    except (ImportError, AttributeError) as err:
        raise ImportError(
            f'{AUGMENT_KEY}=SaliencyMix needs OpenCV\'s contrib module cv2.saliency '
            f'({err}). Install the contrib wheel of the OpenCV version you have: '
            'pip install opencv-contrib-python-headless=="$(python -c \'import cv2; '
            'print(cv2.__version__)\')" (tools/install.sh does this)') from err


def saliency_map(image: torch.Tensor, detector=None) -> np.ndarray:
    """H×W uint8 saliency of one C×H×W image, as the official code computes it."""
    detector = detector or saliency_detector()
    arr = image.detach().float().cpu().numpy().transpose(1, 2, 0)
    ok, sal = detector.computeSaliency(np.ascontiguousarray(arr))
    if not ok:
        raise RuntimeError('OpenCV StaticSaliencyFineGrained failed on this image')
    return (sal * 255).astype(np.uint8)


def box_around(peak: Tuple[int, int], h: int, w: int, lam: float):
    """(r0, r1, c0, c1): the √(1−λ)-sided box centred on ``peak``, clipped to the image
    (side 2·⌊cut/2⌋, as in the official code)."""
    ratio = np.sqrt(1.0 - lam)
    half_h, half_w = int(h * ratio) // 2, int(w * ratio) // 2
    r, c = peak
    return (int(np.clip(r - half_h, 0, h)), int(np.clip(r + half_h, 0, h)),
            int(np.clip(c - half_w, 0, w)), int(np.clip(c + half_w, 0, w)))


@BATCH_AUGMENTS.register_module()
class SaliencyMix(MaskMix):
    """SaliencyMix batch augment (see the module docstring).

    Args:
        alpha (float): α of λ ~ Beta(α, α). Reference tables: 0.2 (CIFAR), 1 (ImageNet).
    """
    method = 'SaliencyMix'

    def __init__(self, alpha: float = 1.0):
        super().__init__(alpha)
        self._detector = saliency_detector()   # fails at build time when missing

    def sample_mask(self, x, x_j, lam):
        h, w = x.shape[-2:]
        sal = saliency_map(x_j[0], self._detector)
        peak = np.unravel_index(int(np.argmax(sal)), sal.shape)
        r0, r1, c0, c1 = box_around(peak, h, w, lam)
        mask = torch.ones(1, 1, h, w)
        mask[..., r0:r1, c0:c1] = 0
        return mask, float(mask.mean())

    def __getstate__(self):  # the OpenCV object does not pickle; rebuilt on load
        return {k: v for k, v in self.__dict__.items() if k != '_detector'}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._detector = saliency_detector()
