"""Transfer to mmdet: ``StrictPretrained``, a ``Pretrained`` that refuses a partial load.

mmengine's ``Pretrained`` init loads with ``strict=False`` and only *logs* missing keys
and shape mismatches, so a checkpoint without the expected backbone (or with a backbone
of another depth or width) silently leaves a randomly initialised detector backbone.
Importing this module (the detection configs do, through ``custom_imports``) registers,
in mmdet's scope and under its own name, ``StrictPretrained``: the arguments of
``Pretrained``, but it checks first that every parameter and buffer of the module is in
the checkpoint (under ``prefix``) with the same shape, and otherwise raises and lists
what is missing or mismatched. Extra keys in the checkpoint (a classifier's ``fc``, θ_q,
the Mix Block) are fine. mmengine's ``Pretrained`` itself is left as it is.

The checkpoint of an AutoMix run can be used as it is: its ``backbone.*`` entries are
the EMA backbone θ_k (see ``mmautomix/models/automix.py``).
"""
import os.path as osp

from mmautomix.utils.detection_stack import require_detection_stack

require_detection_stack()

from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS  # noqa: E402
from mmengine.model.weight_init import PretrainedInit, update_init_info  # noqa: E402
from mmengine.runner.checkpoint import load_state_dict  # noqa: E402

from mmautomix.utils.checkpoint import load_prefixed_state  # noqa: E402


def _local(path: str) -> bool:
    return '://' not in path


def check_pretrained(module, state_dict, checkpoint, prefix=''):
    """Raise ``ValueError`` unless ``state_dict`` initialises every tensor of ``module``."""
    missing, mismatched = [], []
    for key, tensor in module.state_dict().items():
        if key.endswith('num_batches_tracked'):
            continue
        if key not in state_dict:
            missing.append(key)
        elif tuple(state_dict[key].shape) != tuple(tensor.shape):
            mismatched.append(f'{key}: checkpoint {tuple(state_dict[key].shape)}, '
                              f'model {tuple(tensor.shape)}')
    if missing or mismatched:
        lines = [f'init_cfg.checkpoint={checkpoint!r} (prefix={prefix!r}) does not fit '
                 f'{type(module).__name__}: {len(missing)} missing, {len(mismatched)} '
                 'mismatched tensors; refusing a partial (partly random) initialisation.']
        lines += [f'  missing: {k}' for k in missing[:20]]
        lines += ['  ...'] if len(missing) > 20 else []
        lines += [f'  mismatched: {m}' for m in mismatched[:20]]
        lines += ['  ...'] if len(mismatched) > 20 else []
        lines.append('Expected a checkpoint of the same architecture (depth, width) as '
                     '`model.backbone`, e.g. an mmautomix run of that backbone.')
        raise ValueError('\n'.join(lines))


class StrictPretrainedInit(PretrainedInit):
    """``Pretrained`` (same arguments) that fails on missing or mismatched tensors."""

    def __call__(self, module):
        path = self.checkpoint
        if _local(path) and not osp.isfile(osp.expanduser(path)):
            raise FileNotFoundError(f'init_cfg.checkpoint={path!r} does not exist')
        prefix = self.prefix or ''
        state = load_prefixed_state(path, prefix, self.map_location,
                                    where='init_cfg.checkpoint', prefix_key='init_cfg.prefix')
        check_pretrained(module, state, path, prefix)
        load_state_dict(module, state, strict=False, logger='current')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=f'StrictPretrained: load from {path}')


MMDET_WEIGHT_INITIALIZERS.register_module(name='StrictPretrained',
                                          module=StrictPretrainedInit)
