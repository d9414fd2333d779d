"""TokenMix's teacher: the map of each image's class that labels a TokenMix batch.

The official code reads label maps made offline by a teacher (ReLabel's NFNet maps, the
top-5 classes at every location of the full image, cut to the random crop with RoIAlign
at the 14 × 14 token grid). Here the teacher runs online on the batch's clean images,
which already are the crop: a classifier whose head is global average pooling and a
linear layer gives, applied at every location of its last feature map, the class logits
there (the class activation map, ReLabel's label map); their softmax over the classes,
the image's own class taken, resized bilinearly to the token grid (RoIAlign of the whole
crop, one sample per bin), is the map m_i of ``core/tokenmix.py``. The softmax keeps the
map non-negative, as the official code's normalisation needs.

The teacher is any mmpretrain ``ImageClassifier`` with a ``GlobalAveragePooling`` neck and
a ``LinearClsHead`` trained on images normalised as the student's, given as
``teacher=dict(config=PATH, checkpoint=PATH)``; it is frozen, in evaluation mode, and
follows the images' device.
"""
import torch
import torch.nn.functional as F

TEACHER_KEY = 'model.train_cfg.augments.teacher'


def build_teacher(teacher: dict) -> torch.nn.Module:
    """The frozen teacher classifier of ``teacher=dict(config=..., checkpoint=...)``."""
    from mmengine.config import Config

    from mmautomix.registry import MODELS, our_scope
    from mmautomix.utils.checkpoint import load_prefixed_state
    if not isinstance(teacher, dict) or set(teacher) != {'config', 'checkpoint'}:
        raise ValueError(f'{TEACHER_KEY}={teacher!r}: expected dict(config=PATH, '
                         'checkpoint=PATH) of an mmpretrain classifier')
    cfg = Config.fromfile(teacher['config'])
    with our_scope():
        model = MODELS.build(cfg.model)
    neck, head = getattr(model, 'neck', None), getattr(model, 'head', None)
    if type(neck).__name__ != 'GlobalAveragePooling' or \
            not isinstance(getattr(head, 'fc', None), torch.nn.Linear):
        raise ValueError(
            f'{TEACHER_KEY}.config={teacher["config"]!r}: the teacher\'s class maps need a '
            'GlobalAveragePooling neck and a LinearClsHead; got neck '
            f'{type(neck).__name__} and head {type(head).__name__}')
    model.load_state_dict(load_prefixed_state(teacher['checkpoint'], '',
                                              where=f'{TEACHER_KEY}.checkpoint'))
    return model.eval().requires_grad_(False)


@torch.no_grad()
def class_maps(teacher: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
               grid) -> torch.Tensor:
    """m_i (N × h × w): the teacher's softmax at every location of its last feature map,
    image i's class ``labels[i]`` taken, resized bilinearly to the token ``grid``."""
    feats = teacher.backbone(images)[-1]                      # N × C × H × W
    fc = teacher.head.fc
    logits = torch.einsum('nchw,kc->nkhw', feats, fc.weight) + fc.bias[:, None, None]
    probs = logits.softmax(dim=1)[torch.arange(len(labels)), labels]
    return F.interpolate(probs[:, None], size=tuple(grid), mode='bilinear',
                         align_corners=False)[:, 0]
