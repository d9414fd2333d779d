"""The backbone layer whose output z the Mix Block reads (``model.mask_layer``)."""
import torch
from mmpretrain.models.backbones import ResNet
from mmpretrain.models.backbones.resnet import BasicBlock, Bottleneck

from mmautomix.core import FeatureTap

_CONVS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose1d,
          torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d)


def output_channels(module):
    """C of a convolution, a ResNet block or a stage of them (its last block); None for
    other modules (the first step then checks the shape they give: a Swin stage's
    ``out_channels``, for one, is that of its patch merging, not of its output)."""
    if isinstance(module, _CONVS + (BasicBlock, Bottleneck)):
        return module.out_channels
    if isinstance(module, torch.nn.Sequential) and len(module):
        return output_channels(module[-1])
    return None


def resolve_mask_layer(backbone, layer, in_channels: int):
    """Resolve ``model.mask_layer`` to a module of θ_k's backbone (an error naming the
    key and the valid choices otherwise) and return its name and a :class:`FeatureTap`
    on it; check its channels against ``mix_block.in_channels`` now when the module
    states them (convolutions, residual blocks and stages of them)."""
    bb = backbone
    if isinstance(layer, bool) or not isinstance(layer, (int, str)):
        raise ValueError(f'model.mask_layer={layer!r}: expected a stage index or the '
                         'name of a backbone module')
    if isinstance(layer, int):
        stages = (list(bb.res_layers) if isinstance(bb, ResNet) else
                  [f'{n}.{i}' for n in ('stages', 'layers') if hasattr(bb, n)
                   for i in range(len(getattr(bb, n)))])
        if not stages:
            raise ValueError(f'model.mask_layer={layer!r}: {type(bb).__name__} has no '
                             'stage list; give the name of a backbone module')
        if not 0 <= layer < len(stages):
            raise ValueError(f'model.mask_layer={layer!r}: expected a stage index in '
                             f'[0, {len(stages) - 1}] of the {len(stages)}-stage '
                             'backbone')
        name = stages[layer]
    else:
        name = layer
    tap = FeatureTap(bb, name, key='model.mask_layer')
    channels = output_channels(tap.module)
    if channels is not None and channels != in_channels:
        raise ValueError(
            f'mix_block.in_channels={in_channels}, but backbone layer '
            f'{name!r} (model.mask_layer={layer!r}) outputs {channels} channels; '
            f'expected mix_block.in_channels={channels}')
    return name, tap
