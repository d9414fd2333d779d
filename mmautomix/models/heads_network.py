"""θ_q and θ_k of the registered AutoMix models as the core step sees them."""
import copy

import torch


def copy_cfg(cfg):
    """A deep copy of a config dict (a built module passes as it is)."""
    return copy.deepcopy(cfg) if isinstance(cfg, dict) else cfg


class HeadsNetwork:
    """θ_q or θ_k of the registered model as the step uses it (``core.step``'s
    ``EmaNetwork``/``OnlineNetwork``): ``backbone`` → the shared parameter-free neck →
    ``head`` (one-hot) or ``head_mix``, with the heads' losses. A view of the model's
    modules, not a module: the state dict keeps mmpretrain's names."""

    def __init__(self, backbone, neck, head, head_mix, mix_loss=None):
        self.backbone, self.neck, self.head, self.head_mix = backbone, neck, head, head_mix
        self.mix_loss_module = mix_loss if mix_loss is not None else head_mix.loss_module
        self.tap, self.truncate = None, False   # set on θ_k: the layer z comes from

    def feats(self, x: torch.Tensor):
        feats = self.backbone(x)
        return self.neck(feats) if self.neck is not None else feats

    def feature(self, x: torch.Tensor) -> torch.Tensor:
        """z at the tapped layer (the pass ends there with ``truncate``)."""
        return self.tap(x, stop=self.truncate)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.feats(x)).float()

    def mix_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head_mix(self.feats(x)).float()

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.head.loss_module(logits, labels, avg_factor=len(labels))

    def mix_loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.mix_loss_module(logits, target, avg_factor=len(logits))


def check_shared_neck(neck, cfg) -> None:
    """θ_q and θ_k share one neck (:meth:`HeadsNetwork.feats`); that is right only for a
    neck without parameters (global average pooling): one with parameters would be
    trained by SGD as part of θ_q and never averaged into θ_k. Refused rather than
    silently wrong; ``cfg`` is ``model.neck`` as configured."""
    if neck is not None and any(True for _ in neck.parameters()):
        raise ValueError(
            f'model.neck={cfg!r} has parameters, but AutoMix shares its neck between '
            'θ_q and θ_k (it would be trained as θ_q and never averaged into θ_k); '
            "expected a neck without parameters, e.g. dict(type='GlobalAveragePooling'),"
            ' or put the layers in the head')
