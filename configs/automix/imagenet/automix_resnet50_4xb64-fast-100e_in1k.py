"""AutoMix, fast recipe, ResNet-50 on ImageNet-1k: the reference recipe without θ_q's clean-image loss and with the Mix Block trained on every second step.

`automix_resnet50_4xb64-100e_in1k.py` with `head_weights.one_q=0` (θ_q's forward and
backward on the clean images x do not run) and `mix_block_interval=2` (on every other
step no θ_k pass on x_mb, no mask loss and no Mix Block gradient; those steps' masks
come from the current Mix Block). θ_q learns only from x_bb (L_mix_q), the Mix Block
from θ_k's loss on x_mb (L_mix_k), and both models predict with their mixup heads (the
one-hot heads never train). Under DDP the Mix Block's parameters are unused on the
skipped steps, hence `find_unused_parameters=True`. A speed/accuracy trade, not the
faithful recipe's accuracy: on the Fashion-MNIST regime the same two knobs trained to a
lower top-1 than the faithful recipe (docs/benchmarks/fmnist_regime.md); on this dataset
its accuracy is unmeasured. Step cost: docs/benchmarks/automix_step.md.
"""
_base_ = './automix_resnet50_4xb64-100e_in1k.py'
model = dict(head_weights=dict(one_q=0), mix_block_interval=2)
model_wrapper_cfg = dict(find_unused_parameters=True)
