"""AutoMix whose Mix Block's attention starts peaked (W_q initialised with std 0.3) in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with one change:
`mix_block.attention_init_std=0.3` instead of the official 0.01. The attention logits
qᵀk scale with the square of that std; on a batch of the regime's images at
initialisation the attention's entropy is 0.99999 of uniform at 0.01 (0.9998 with
`use_scale=False`) and 0.42 at 0.3, so the attention P can single out positions from
the first step.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mix_block=dict(attention_init_std=0.3))
