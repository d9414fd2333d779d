"""mmpretrain's classification data preprocessor for models of grey images."""
import torch
from mmpretrain.models import ClsDataPreprocessor

from mmautomix.registry import MODELS

# ITU-R BT.601 luma of an OpenCV (BGR) image
_BGR_LUMA = (0.114, 0.587, 0.299)


def to_grey(img: torch.Tensor) -> torch.Tensor:
    """C×H×W (or N×C×H×W) BGR image with C = 3 → one luma channel, same dtype;
    a one-channel image is returned unchanged."""
    channel_dim = img.dim() - 3
    if img.size(channel_dim) != 3:
        return img
    shape = [1] * img.dim()
    shape[channel_dim] = 3
    weights = img.new_tensor(_BGR_LUMA, dtype=torch.float32).view(shape)
    grey = (img.float() * weights).sum(channel_dim, keepdim=True)
    return grey.round().to(img.dtype) if not img.is_floating_point() else grey.to(img.dtype)


@MODELS.register_module()
class GreyClsDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` that turns 3-channel inputs into one grey channel first.

    The Fashion-MNIST models take one channel. Their dataset yields grey images, but
    mmpretrain's inferencers (``inference_model``, ``ImageClassificationInferencer``)
    read a PNG or JPEG as a 3-channel BGR image; this preprocessor converts such an
    input to its luma (0.114 B + 0.587 G + 0.299 R) before normalising, and passes
    one-channel inputs through unchanged. Arguments: as ``ClsDataPreprocessor``.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if isinstance(inputs, torch.Tensor):
            inputs = to_grey(inputs)
        else:
            inputs = [to_grey(img) for img in inputs]
        return super().forward(dict(data, inputs=inputs), training)


def normalization(data_preprocessor):
    """(mean, std) of the C×1×1 normalisation x = (pixel − mean) / std that an mmpretrain
    ``ClsDataPreprocessor`` applies, or (None, None) when it does not normalise: the
    preprocessor registers its ``mean``/``std`` buffers only when it normalises."""
    mean = getattr(data_preprocessor, 'mean', None)
    if not isinstance(mean, torch.Tensor):
        return None, None
    return mean, data_preprocessor.std
