"""Publish a training checkpoint as a lean, state-dict-only file named by its hash.

    python tools/model_converters/publish_model.py IN.pth OUT.pth [--keep-all]

Writes ``OUT-<first 8 hex of sha256>.pth`` (mmpretrain's convention) holding only
``{'state_dict': ...}`` with plain tensors, so it loads with
``torch.load(..., weights_only=True)`` and nothing else. By default only the deployable
EMA classifier θ_k is kept (``backbone.``, ``neck.``, ``head.``); ``--keep-all`` also
keeps the online model θ_q, the mix head and the Mix Block.
"""
import argparse
import hashlib
import os
import os.path as osp

import torch

from mmautomix.utils import load_prefixed_state

EMA_PREFIXES = ('backbone.', 'neck.', 'head.')


def publish(src: str, dst: str, keep_all: bool = False) -> str:
    state = load_prefixed_state(src, '')
    if not keep_all:
        state = {k: v for k, v in state.items() if k.startswith(EMA_PREFIXES)}
    if not any(k.startswith('backbone.') for k in state):
        raise KeyError(f'{src} holds no backbone.* weights; nothing to publish')
    state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    tmp = dst + '.tmp'
    torch.save({'state_dict': state}, tmp)
    with open(tmp, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:8]
    stem = dst[:-4] if dst.endswith('.pth') else dst
    final = f'{stem}-{digest}.pth'
    os.replace(tmp, final)
    return final


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('in_file')
    parser.add_argument('out_file')
    parser.add_argument('--keep-all', action='store_true',
                        help='also keep θ_q, the mix heads and the Mix Block')
    args = parser.parse_args()
    os.makedirs(osp.dirname(osp.abspath(args.out_file)), exist_ok=True)
    print(publish(args.in_file, args.out_file, args.keep_all))


if __name__ == '__main__':
    main()
