"""AutoMix whose Mix Block reads the 14×14 feature map (one stage earlier) in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with the Mix Block on the
output of stage index 1 (32 channels, 14×14 at 28 px, mask upsampled ×2) instead of
stage index 2 (64 channels, 7×7, ×4): four times as many positions for the attention to
tell apart, each seeing a smaller receptive field.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mask_layer=1, mix_block=dict(in_channels=32))
