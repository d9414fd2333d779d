"""Mixed (soft) labels for the classifiers that mix inside the network."""
from typing import List, Union

import torch
import torch.nn.functional as F


def mix_scores(scores: torch.Tensor, index: torch.Tensor,
               lam: Union[float, torch.Tensor]) -> torch.Tensor:
    """λ y + (1 − λ) y[index]; λ a float or one value per sample."""
    if isinstance(lam, torch.Tensor):
        lam = lam.to(scores).view(-1, 1)
    return lam * scores + (1 - lam) * scores[index]


def check_labels(labels: torch.Tensor, num_classes: int) -> None:
    """Every label in [0, num_classes), else a ValueError naming the first bad one, its
    index in the batch and ``model.head.num_classes`` (before any one-hot or NaN)."""
    bad = ((labels < 0) | (labels >= num_classes)).nonzero()
    if len(bad):
        i = int(bad[0])
        raise ValueError(f'label {int(labels[i])} of sample {i} in this batch is outside '
                         f'[0, model.head.num_classes={num_classes}); check the dataset\'s '
                         'labels or set model.head.num_classes')


def set_mixed_scores(data_samples: List, index: torch.Tensor,
                     lam: Union[float, torch.Tensor], num_classes: int) -> None:
    """Give every data sample its soft target ``gt_score`` = λ y_i + (1 − λ) y_index[i],
    which mmpretrain's heads use instead of ``gt_label``."""
    labels = torch.cat([ds.gt_label for ds in data_samples])
    check_labels(labels, num_classes)
    labels = labels.to(index.device)
    scores = mix_scores(F.one_hot(labels, num_classes).float(), index, lam)
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
