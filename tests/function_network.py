"""θ_k/θ_q for step-level tests: the step's network protocol (``core.step.EmaNetwork``,
``OnlineNetwork``) from plain functions of a batch of images."""
import torch.nn.functional as F

from mmautomix.core import soft_cross_entropy


class FunctionNetwork:
    def __init__(self, feature=None, logits=None, mix_logits=None):
        self.feature = feature
        self.logits = logits
        self.mix_logits = mix_logits or logits

    loss = staticmethod(F.cross_entropy)
    mix_loss = staticmethod(soft_cross_entropy)
