"""FMix: a binary mask cut from a low-frequency random image.

"FMix: Enhancing Mixed Sample Data Augmentation", Harris et al., arXiv 2002.12047
(official code: github.com/ecs-vlc/FMix; the reference tables use OpenMixup's copy).

Per batch: λ ~ Beta(α, α); a random Fourier spectrum whose amplitudes decay as 1/f^δ
is inverted to a smooth grey image G; the ⌈λHW⌉ or ⌊λHW⌋ (coin flip) brightest pixels
of G become M = 1 (keep x), the rest M = 0 (take x[index]). The label weight is λ, so
the mean of M is within 1/HW of it. ``max_soft`` > 0 replaces the hard edge by a linear
ramp over that fraction of the pixels.

Defaults are the official ones (δ = 3, no soft edge). Reported tables (docs/reported_results.md): α = 0.2 on
CIFAR-10/100 and Tiny-ImageNet, α = 1 on ImageNet.

Differences from the official code, each a choice of ours:
 * the mask has the input's size (the official code takes it from a ``size`` config
   entry that must match the input);
 * ``spectrum='official'`` (default) reproduces how the official code assembles the
   spectrum: it indexes the first frequency axis where it means the real/imaginary
   axis, so the complex spectrum is built from the first two rows of the frequency
   grid and has only two columns (the mask varies smoothly along the width with at
   most one period). ``spectrum='isotropic'`` builds the 2-D 1/f^δ spectrum the paper
   describes.
"""
import math
import random

import numpy as np
import torch

from mmautomix.registry import BATCH_AUGMENTS
from .mask_mix import AUGMENT_KEY, MaskMix, check_positive

SPECTRA = ('official', 'isotropic')


def low_frequency_image(h: int, w: int, decay_power: float,
                        spectrum: str = 'official') -> np.ndarray:
    """G ∈ [0, 1]^{h×w}: the inverse FFT of random coefficients scaled by 1/f^δ."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[:w // 2 + 1 + w % 2]
    freqs = np.sqrt(fx ** 2 + fy ** 2)
    scale = 1.0 / np.maximum(freqs, 1.0 / max(h, w)) ** decay_power
    coeffs = scale[..., None] * np.random.randn(*freqs.shape, 2)
    if spectrum == 'official':
        z = coeffs[0] + 1j * coeffs[1]            # (w_f, 2): rows 0 and 1 of the grid
    else:
        z = coeffs[..., 0] + 1j * coeffs[..., 1]  # (h, w_f): the whole grid
    g = np.fft.irfftn(z, s=(h, w), axes=(0, 1)).real
    g = g - g.min()
    return g / max(g.max(), 1e-12)


def binarise(g: np.ndarray, lam: float, max_soft: float = 0.0) -> np.ndarray:
    """M: 1 on the ⌈λHW⌉ or ⌊λHW⌋ largest values of G, 0 elsewhere, with a linear ramp
    over ``max_soft``·HW pixels (at most min(λ, 1−λ)·HW) on each side of the cut."""
    flat = g.reshape(-1)
    order = flat.argsort()[::-1]
    size = flat.size
    num = math.ceil(lam * size) if random.random() > 0.5 else math.floor(lam * size)
    soft = int(size * min(max_soft, lam, 1 - lam)) if max_soft > 0 else 0
    lo, hi = max(num - soft, 0), min(num + soft, size)
    mask = np.zeros(size, dtype=np.float32)
    mask[order[:lo]] = 1
    mask[order[lo:hi]] = np.linspace(1, 0, hi - lo)
    return mask.reshape(g.shape)


@BATCH_AUGMENTS.register_module()
class FMix(MaskMix):
    """FMix batch augment (see the module docstring).

    Args:
        alpha (float): α of λ ~ Beta(α, α). Reference tables: 0.2 (CIFAR), 1 (ImageNet).
        decay_power (float): δ, the spectrum decays as 1/f^δ. Official: 3.
        max_soft (float): soft-edge fraction in [0, 0.5]. Official: 0.
        spectrum (str): 'official' or 'isotropic' (see the module docstring).
    """
    method = 'FMix'
    no_repeat = True

    def __init__(self, alpha: float = 1.0, decay_power: float = 3.0, max_soft: float = 0.0,
                 spectrum: str = 'official'):
        super().__init__(alpha)
        self.decay_power = check_positive(f'{AUGMENT_KEY}.decay_power', decay_power,
                                          'δ > 0 (the spectrum decays as 1/f^δ; official 3)')
        if not (isinstance(max_soft, (int, float)) and 0 <= max_soft <= 0.5):
            raise ValueError(f'{AUGMENT_KEY}.max_soft={max_soft!r}: expected a float in '
                             '[0, 0.5]')
        if spectrum not in SPECTRA:
            raise ValueError(f'{AUGMENT_KEY}.spectrum={spectrum!r}: expected one of {SPECTRA}')
        self.max_soft = float(max_soft)
        self.spectrum = spectrum

    def sample_mask(self, x, x_j, lam):
        h, w = x.shape[-2:]
        g = low_frequency_image(h, w, self.decay_power, self.spectrum)
        mask = binarise(g, lam, self.max_soft)
        return torch.from_numpy(mask).view(1, 1, h, w), lam
