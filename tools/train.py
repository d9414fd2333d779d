"""Train a model with the mmengine Runner (mmpretrain style).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
                                [--cfg-options key=value ...]

`mim train mmautomix CONFIG` runs this file. Every `--cfg-options` key is checked
against the config and the constructor it feeds before anything is built.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmautomix.utils.checkpoint import register_checkpoint_loader
from mmautomix.utils.config import apply_cfg_options
from mmautomix.utils.detection_stack import load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or, with no value, from the latest '
        'checkpoint in the work directory')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by actual / base batch size')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='disable persistent_workers in the dataloaders')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:   # mmengine's AmpOptimWrapper on a GPU, bfloat16 autocast on a CPU
        if cfg.optim_wrapper.get('type') not in ('AmpOptimWrapper',
                                                 'mmautomix.PortableAmpOptimWrapper'):
            cfg.optim_wrapper.type = 'mmautomix.PortableAmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':   # the newest checkpoint that loads (a bad one is named)
        from mmautomix.utils import find_resumable_checkpoint
        good = (find_resumable_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir)
                else None)
        cfg.resume, cfg.load_from = good is not None, good
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint {args.resume!r} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field) and args.no_persistent_workers:
            cfg[field]['persistent_workers'] = False
    apply_cfg_options(cfg, args.cfg_options)
    return cfg


def init_cpu_dist(cfg, launcher: str):
    """torchrun on a machine without CUDA: mmengine 0.10.7's pytorch launcher calls
    ``torch.cuda.set_device`` and its DDP wrapper passes ``device_ids=[LOCAL_RANK]``,
    both of which fail on a CPU; so the process group is initialised here with gloo from
    torchrun's environment (mmengine then uses it as it is) and DDP gets no device ids."""
    import torch
    import torch.distributed as dist
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg.setdefault('device_ids', None)


def main(argv=None):
    args = parse_args(argv)
    register_checkpoint_loader()   # Runner checkpoints on torch >= 2.6
    cfg = merge_args(load_config(args.config), args)
    init_cpu_dist(cfg, args.launcher)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
