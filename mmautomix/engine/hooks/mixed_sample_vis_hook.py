"""Save pictures of AutoMix's mixed samples through mmengine's visualizer.

Every ``interval`` training iterations the hook asks the model to keep the Mix Block
branch's tensors of that step and writes one grid through ``runner.visualizer``
(``add_image``: the local, TensorBoard or W&B backends of the config). Rows: x_i, x_j
(the paired image), the mask M[:, 0] applied to x_i (white = keep x_i), and the mixed
image x_i ⊙ M[:, 0] + x_j ⊙ M[:, 1]; one column per sample, with λ in the name.
"""
import numpy as np
import torch
from mmengine.hooks import Hook

from mmautomix.registry import HOOKS
from ._utils import unwrap_model


def _to_uint8(x: torch.Tensor, mean=None, std=None) -> np.ndarray:
    """N×C×H×W images (normalised when ``mean``/``std`` are given, else 0-255) →
    N×H×W×3 uint8."""
    x = x.float().cpu()
    if mean is not None:
        x = x * std.cpu().view(1, -1, 1, 1) + mean.cpu().view(1, -1, 1, 1)
    if x.size(1) == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.clamp(0, 255).round().byte().permute(0, 2, 3, 1).numpy()


def mix_grid(record: dict, mean=None, std=None, max_samples: int = 8) -> np.ndarray:
    """One H×W×3 uint8 picture with the rows x_i, x_j, M[:, 0], mixed image."""
    n = min(max_samples, record['x'].size(0))
    x = record['x'][:n]
    rows = [_to_uint8(x, mean, std),
            _to_uint8(record['x'][record['idx'][:n]], mean, std),
            _to_uint8(record['mask'][:n, :1] * 255.0),
            _to_uint8(record['mixed'][:n], mean, std)]
    pad = 2
    h, w = rows[0].shape[1:3]
    grid = np.full((4 * (h + pad) + pad, n * (w + pad) + pad, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        for c in range(n):
            y0, x0 = pad + r * (h + pad), pad + c * (w + pad)
            grid[y0:y0 + h, x0:x0 + w] = row[c]
    return grid


@HOOKS.register_module()
class MixedSampleVisHook(Hook):
    """Every ``interval`` iterations, save a grid of sources, mask and mixed image.

    Args:
        interval (int): iterations between two pictures.
        max_samples (int): columns of the grid.
    """
    priority = 'LOW'

    def __init__(self, interval: int = 500, max_samples: int = 8):
        if interval < 1:
            raise ValueError(f'MixedSampleVisHook.interval={interval!r}: expected an int >= 1')
        self.interval = interval
        self.max_samples = max_samples

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        unwrap_model(runner).record_mix = self.every_n_train_iters(runner, self.interval)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = unwrap_model(runner)
        record, model.last_mix, model.record_mix = model.last_mix, None, False
        if record is None:
            return
        pre = model.data_preprocessor
        mean = getattr(pre, 'mean', None) if getattr(pre, '_enable_normalize', False) else None
        std = getattr(pre, 'std', None) if mean is not None else None
        grid = mix_grid(record, mean, std, self.max_samples)
        runner.visualizer.add_image(f'automix_mixed_lam{record["lam"]:.2f}', grid,
                                    step=runner.iter + 1)
