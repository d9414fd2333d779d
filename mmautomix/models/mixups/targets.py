"""Mixed (soft) labels for the classifiers that mix inside the network."""
from typing import List, Union

import torch

from mmautomix.core.mixing import CoreInputError, pair_target
from mmautomix.core.mixing import check_labels as _check_labels

__all__ = ['check_labels', 'check_no_batch_augments', 'check_soft_loss',
           'set_mixed_scores']


def check_labels(labels: torch.Tensor, num_classes: int) -> None:
    """Every label in [0, model.head.num_classes), else a ValueError naming the key."""
    try:
        _check_labels(labels, num_classes)
    except CoreInputError as err:
        raise err.renamed(dict(num_classes='model.head.num_classes')) from None


def set_mixed_scores(data_samples: List, index: torch.Tensor,
                     lam: Union[float, torch.Tensor], num_classes: int) -> None:
    """Give every data sample its soft target ``gt_score`` = λ y_i + (1 − λ) y_index[i],
    which mmpretrain's heads use instead of ``gt_label``."""
    labels = torch.cat([ds.gt_label for ds in data_samples])
    check_labels(labels, num_classes)
    labels = labels.to(index.device)
    scores = pair_target(labels, index, lam, num_classes)
    for ds, score in zip(data_samples, scores):
        ds.set_gt_score(score)


def check_soft_loss(head: dict, method: str) -> None:
    """A cross-entropy head must take soft targets, else a clear error at build time."""
    loss = (head or {}).get('loss', {})
    if loss.get('type') == 'CrossEntropyLoss' and not loss.get('use_soft', False):
        raise ValueError(f'model.head.loss.use_soft={loss.get("use_soft", False)!r}: '
                         f'{method} trains on mixed (soft) labels; expected '
                         'dict(type=\'CrossEntropyLoss\', use_soft=True)')


def check_no_batch_augments(train_cfg, method: str) -> None:
    """A classifier that makes its own mixed samples refuses mmpretrain's batch augments
    (they would mix the batch a second time), naming the key."""
    if train_cfg is not None and train_cfg.get('augments'):
        raise ValueError(f'model.train_cfg.augments: {method} makes its own mixed samples; '
                         'remove the batch augments (expected None)')
