"""Fashion-MNIST read from local IDX files; never downloads.

mmpretrain's ``FashionMNIST`` wants the *extracted* IDX files in a writable folder and
downloads them when they are missing. Debian's ``dataset-fashion-mnist`` package ships
the gzipped files in a read-only folder, and our machines have no network, so this
class reads ``.gz`` or raw IDX files in place and fails at once, naming the config key,
when they are absent or truncated.
"""
import gzip
import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import FASHIONMNIST_CATEGORITES

from mmautomix.registry import DATASETS

DEFAULT_ROOT = '/usr/share/datasets/fashion-mnist'
_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 60000),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 10000),
}
_HINT = ('Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, '
         f'files in {DEFAULT_ROOT}) or set `data_root` to a folder holding the four '
         'Fashion-MNIST IDX files (.gz or raw), e.g. '
         '`MMAUTOMIX_FMNIST_ROOT=/path/to/fashion-mnist` (read by the configs) or '
         '`--cfg-options train_dataloader.dataset.data_root=...`.')


def _find(root: str, stem: str) -> str:
    for name in (stem + '.gz', stem):
        path = osp.join(root, name)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'Fashion-MNIST: `data_root`={root!r} has no {stem}.gz (nor {stem}). {_HINT}')


def read_idx(path: str) -> np.ndarray:
    """Read one IDX file (uint8 payload), gzipped or not, into a numpy array."""
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f'Fashion-MNIST: cannot read {path} ({err}); the file is '
                         f'damaged or truncated. {_HINT}') from err
    if len(data) < 8 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f'Fashion-MNIST: {path} is not a uint8 IDX file. {_HINT}')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise ValueError(f'Fashion-MNIST: {path} holds {payload.size} bytes of data, '
                         f'its header promises {int(np.prod(shape))}: the file is '
                         f'truncated. {_HINT}')
    return payload.reshape(shape)


@DATASETS.register_module()
class OfflineFashionMNIST(BaseDataset):
    """Fashion-MNIST (Xiao et al. 2017) from local IDX files, as 28x28 uint8 images.

    Args:
        data_root (str): folder with the four IDX files. Defaults to Debian's
            ``/usr/share/datasets/fashion-mnist``.
        split (str): ``'train'`` (60,000 images) or ``'test'`` (10,000).
        num_samples (int, optional): keep a class-balanced random subset of this size
            (drawn with ``subset_seed``), for short CPU runs. ``None`` keeps all.
        subset_seed (int): seed of that draw, so every run sees the same subset.
        color (bool): give H×W×3 images (the grey value in every channel), for
            backbones that expect RGB input (e.g. pretraining a detector backbone).
    """
    METAINFO = {'classes': FASHIONMNIST_CATEGORITES}

    def __init__(self,
                 data_root: str = DEFAULT_ROOT,
                 split: str = 'train',
                 num_samples: Optional[int] = None,
                 subset_seed: int = 0,
                 color: bool = False,
                 **kwargs):
        if split not in _FILES:
            raise ValueError(f"Fashion-MNIST: `split`={split!r}; expected 'train' or 'test'.")
        if not data_root or not osp.isdir(data_root):
            raise FileNotFoundError(
                f'Fashion-MNIST: `data_root`={data_root!r} is not a folder. {_HINT}')
        if num_samples is not None and not 10 <= num_samples <= _FILES[split][2]:
            raise ValueError(f'Fashion-MNIST: `num_samples`={num_samples}; expected None '
                             f'or an int in [10, {_FILES[split][2]}] for split {split!r}.')
        self.split = split
        self.num_samples = num_samples
        self.subset_seed = subset_seed
        self.color = color
        kwargs.setdefault('serialize_data', False)
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        img_stem, label_stem, expected = _FILES[self.split]
        imgs = read_idx(_find(self.data_root, img_stem))
        labels = read_idx(_find(self.data_root, label_stem)).astype(np.int64)
        if imgs.shape[0] != expected or labels.shape[0] != expected or imgs.shape[1:] != (28, 28):
            raise ValueError(
                f'Fashion-MNIST: `data_root`={self.data_root!r} split {self.split!r} has '
                f'{imgs.shape[0]} images of {imgs.shape[1:]} and {labels.shape[0]} labels; '
                f'expected {expected} of (28, 28). {_HINT}')
        keep = np.arange(expected)
        if self.num_samples is not None:
            rng = np.random.default_rng(self.subset_seed)
            per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in range(10)]
            # round-robin over classes keeps the subset balanced
            keep = np.stack(per_class, axis=1).reshape(-1)[:self.num_samples]
            keep.sort()
        if self.color:
            return [dict(img=np.repeat(imgs[i][..., None], 3, axis=2), gt_label=int(labels[i]))
                    for i in keep]
        return [dict(img=imgs[i], gt_label=int(labels[i])) for i in keep]
