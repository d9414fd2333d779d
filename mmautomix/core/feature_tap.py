"""Read z, the output of one named layer of θ_k, from the clean forward pass.

A forward hook on the layer captures its output during the backbone's own forward, so
any ``nn.Module`` works (ResNet stages, ConvNeXt and Swin stages, ViT/DeiT layers,
torchvision models) and the parameters stay those of the backbone. With ``stop=True``
the hook ends the forward right there (the clean pass is truncated at the layer: the
rest of the backbone is not computed and its BN statistics are not updated).

Token outputs are turned into the N×C×H×W grid the Mix Block reads:
 * an (N, L, C) tensor: the leading class/distillation tokens are dropped
   (``num_extra_tokens``, or inferred as the 0, 1 or 2 that leave a square grid);
 * a ``(tokens, (H, W))`` tuple (Swin's stages): reshaped to H×W;
 * an (N, C, H, W) tensor is used as it is.
"""
import difflib
import math
from typing import Optional

import torch
import torch.nn as nn


class _StopForward(Exception):
    """Raised by the hook to end the forward pass at the tapped layer."""


def find_layer(model: nn.Module, name: str, key: str = 'layer') -> nn.Module:
    """The sub-module ``name`` of ``model``; else a ValueError naming ``key`` and listing
    the valid names, closest first."""
    modules = dict(model.named_modules())
    if isinstance(name, str) and name and name in modules:
        return modules[name]
    names = [n for n in modules if n]
    closest = sorted(names, key=lambda n: -difflib.SequenceMatcher(None, str(name), n).ratio())
    shown = ', '.join(repr(n) for n in closest[:12])
    more = f' (and {len(names) - 12} more)' if len(names) > 12 else ''
    raise ValueError(f'{key}={name!r}: {type(model).__name__} has no such layer; valid '
                     f'names, closest first: {shown}{more}')


def tokens_to_grid(out, num_extra_tokens: Optional[int] = None,
                   key: str = 'layer') -> torch.Tensor:
    """The N×C×H×W grid of a layer output (see the module docstring)."""
    hw = None
    if isinstance(out, (tuple, list)):
        if len(out) == 2 and isinstance(out[1], (tuple, list, torch.Size)) \
                and len(out[1]) == 2:
            hw = tuple(int(v) for v in out[1])
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise ValueError(f'{key}: the layer returned {type(out).__name__}; expected a '
                         'tensor (N, C, H, W) or tokens (N, L, C)')
    if out.dim() == 4:
        return out
    if out.dim() != 3:
        raise ValueError(f'{key}: the layer output has shape {tuple(out.shape)}; expected '
                         '(N, C, H, W) or tokens (N, L, C)')
    n, length, c = out.shape
    if hw is not None:
        h, w = hw
        extra = length - h * w
    else:
        candidates = [num_extra_tokens] if num_extra_tokens is not None else [0, 1, 2]
        extra = next((e for e in candidates
                      if length - e > 0 and math.isqrt(length - e) ** 2 == length - e), None)
        if extra is None:
            raise ValueError(
                f'{key}: the layer outputs {length} tokens, which is not a square grid after '
                f'dropping {candidates} class/distillation tokens; expected g*g (+ extra) '
                'tokens (set num_extra_tokens if the model has another number)')
        h = w = math.isqrt(length - extra)
    if extra < 0:
        raise ValueError(f'{key}: {length} tokens for a {h}x{w} grid')
    grid = out[:, extra:]
    return grid.transpose(1, 2).reshape(n, c, h, w)


class FeatureTap:
    """z = the output of ``model``'s layer ``layer`` on ``x``, as an N×C×H×W grid.

    Args:
        model: the module whose forward is run (θ_k's backbone or whole classifier).
        layer: name of the sub-module (``dict(model.named_modules())`` key).
        num_extra_tokens: leading non-patch tokens of a token model; None infers it.
        key: the argument or config key that named the layer, for the error messages.
    """

    def __init__(self, model: nn.Module, layer: str, num_extra_tokens: Optional[int] = None,
                 key: str = 'layer'):
        self.model = model
        self.layer = layer
        self.module = find_layer(model, layer, key)
        self.num_extra_tokens = num_extra_tokens
        self.key = key

    def __call__(self, x: torch.Tensor, stop: bool = False) -> torch.Tensor:
        """Run ``model(x)`` and return z; ``stop`` ends the forward at the layer."""
        captured = []

        def hook(module, args, output):
            captured.append(output)
            if stop:
                raise _StopForward

        handle = self.module.register_forward_hook(hook)
        try:
            self.model(x)
        except _StopForward:
            pass
        finally:
            handle.remove()
        if not captured:
            raise ValueError(f'{self.key}={self.layer!r}: the layer was not called in '
                             f'the forward pass of {type(self.model).__name__}')
        return tokens_to_grid(captured[0], self.num_extra_tokens,
                              f'{self.key}={self.layer!r}')
