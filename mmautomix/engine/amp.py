"""Mixed precision on any device: mmengine's ``AmpOptimWrapper`` that also runs on a CPU.

mmengine 0.10.7's ``AmpOptimWrapper`` refuses to be built without a GPU (an assert in
its constructor), so ``--amp`` on a CPU machine crashed before the first step. On a GPU,
``PortableAmpOptimWrapper`` *is* that wrapper (fp16 by default, dynamic loss scaling,
``dtype='bfloat16'`` optional). On a CPU it autocasts to bfloat16 — the one dtype CPU
autocast supports — with a CPU ``GradScaler`` built from the same ``loss_scale``
argument, so checkpoints, resume and the staged backward behave the same on both.

The AutoMix step calls ``scale_loss``/``backward`` once per branch and ``step`` once per
optimizer step, so the loss scale is updated once per step however many branches were
backpropagated. The Mix Block computes its attention, softmax, upsampling and sigmoid
in fp32 inside autocast (``PixelMixBlock.forward``), so M and the mask loss are fp32.
"""
from typing import Union

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from mmautomix.registry import OPTIM_WRAPPERS


def _accelerator_available() -> bool:
    from mmengine.device import (is_cuda_available, is_mlu_available, is_musa_available,
                                 is_npu_available)
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


@OPTIM_WRAPPERS.register_module()
class PortableAmpOptimWrapper(AmpOptimWrapper):
    """``AmpOptimWrapper`` on an accelerator; bfloat16 autocast with a CPU ``GradScaler``
    on a CPU.

    Args:
        loss_scale: 'dynamic', an initial scale (float) or ``GradScaler`` kwargs (dict).
        dtype: autocast dtype. On a CPU only 'bfloat16' (the default there).
        use_fsdp: see ``AmpOptimWrapper`` (accelerators only).
        **kwargs: passed to ``OptimWrapper`` (optimizer, accumulative_counts, clip_grad).
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 use_fsdp: bool = False,
                 **kwargs):
        if _accelerator_available():
            super().__init__(loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp,
                             **kwargs)
            return
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, dtype)
        if dtype not in (None, torch.bfloat16):
            raise ValueError(f'optim_wrapper.dtype={dtype!r}: autocast on a CPU supports '
                             "bfloat16 only; set optim_wrapper.dtype='bfloat16' (or leave "
                             'it unset) or train on a GPU for float16')
        if use_fsdp:
            raise ValueError('optim_wrapper.use_fsdp=True needs a GPU')
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        if loss_scale == 'dynamic':
            scaler_kwargs = {}
        elif isinstance(loss_scale, (int, float)):
            self._scale_update_param = float(loss_scale)
            scaler_kwargs = dict(init_scale=float(loss_scale))
        elif isinstance(loss_scale, dict):
            scaler_kwargs = dict(loss_scale)
        else:
            raise TypeError(f"optim_wrapper.loss_scale={loss_scale!r}: expected 'dynamic', "
                            'a float or a dict of GradScaler arguments')
        self.loss_scaler = torch.amp.GradScaler('cpu', **scaler_kwargs)
        self.cast_dtype = torch.bfloat16
