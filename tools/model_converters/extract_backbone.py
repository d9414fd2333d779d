"""Extract the backbone alone from an mmautomix checkpoint.

    python tools/model_converters/extract_backbone.py IN.pth OUT.pth [--online]

Writes ``{'state_dict': ...}`` with the ``backbone.`` prefix removed, loadable with
``weights_only=True`` by any ResNet of the same depth (mmpretrain, mmdet: ``init_cfg=
dict(type='Pretrained', checkpoint=OUT.pth)`` without a prefix). The default is the EMA
backbone θ_k (``backbone.``), what the official code exports; ``--online`` takes θ_q
(``backbone_q.``).
"""
import argparse

import torch

from mmautomix.utils import load_prefixed_state


def extract(src: str, dst: str, online: bool = False) -> int:
    prefix = 'backbone_q.' if online else 'backbone.'
    out = {k: v.detach().cpu() for k, v in load_prefixed_state(src, prefix).items()}
    torch.save({'state_dict': out}, dst)
    return len(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('in_file')
    parser.add_argument('out_file')
    parser.add_argument('--online', action='store_true', help='the online backbone θ_q')
    args = parser.parse_args()
    n = extract(args.in_file, args.out_file, args.online)
    print(f'{n} tensors written to {args.out_file}')


if __name__ == '__main__':
    main()
