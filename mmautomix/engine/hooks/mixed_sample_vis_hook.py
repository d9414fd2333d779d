"""Save pictures of AutoMix's mixed samples through mmengine's visualizer.

Every ``interval`` training iterations the hook asks the model to keep the Mix Block
branch's tensors of that step and writes one grid through ``runner.visualizer``
(``add_image``: the local, TensorBoard or W&B backends of the config). Rows: x_i, x_j
(the paired image), the mask M[:, 0] applied to x_i (white = keep x_i) with its mean
and spatial standard deviation under it, and the mixed image x_i ⊙ M[:, 0] +
x_j ⊙ M[:, 1] with λ under it; one column per sample, each tile upscaled to at least
``min_tile`` pixels. λ is also in the picture's name. AdAutoMix's pictures have a pair of
rows per source (x[I_s] and its mask M_s with its weight ℓ_s) and the mixed image.
"""
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmautomix.registry import HOOKS
from mmautomix.models.data_preprocessor import normalization
from mmautomix.visualization import mixed_sample_grid, picture_name


@HOOKS.register_module()
class MixedSampleVisHook(Hook):
    """Every ``interval`` iterations, save a grid of sources, mask and mixed image.

    Args:
        interval (int): iterations between two pictures.
        max_samples (int): columns of the grid.
        min_tile (int): smallest tile side in pixels (tiles are upscaled by an integer
            factor, nearest neighbour).
    """
    priority = 'LOW'

    def __init__(self, interval: int = 500, max_samples: int = 8, min_tile: int = 96):
        if interval < 1:
            raise ValueError(f'MixedSampleVisHook.interval={interval!r}: expected an int >= 1')
        self.interval = interval
        self.max_samples = max_samples
        self.min_tile = min_tile

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        get_ori_model(runner.model).record_mix = self.every_n_train_iters(runner, self.interval)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = get_ori_model(runner.model)
        record, model.last_mix, model.record_mix = model.last_mix, None, False
        if record is None:
            return
        pre = model.data_preprocessor
        mean, std = normalization(pre)
        grid = mixed_sample_grid(record, mean, std, self.max_samples, self.min_tile)
        runner.visualizer.add_image(picture_name(record), grid, step=runner.iter + 1)
