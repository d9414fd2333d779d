"""Vanilla baseline on real Fashion-MNIST, sized for 2 CPU cores.

ResNet-18 (CIFAR stem, width 16) on 28x28 grey images, batch 100, SGD 0.1 cosine,
4 epochs on a class-balanced 20,000-image subset of the training set, evaluated on
the full 10,000-image test set (time per iteration: docs/benchmarks/timings.md).
"""
_base_ = [
    '../../_base_/models/resnet18_w16_fmnist.py',
    '../../_base_/datasets/fashion_mnist.py',
    '../../_base_/schedules/fashion_mnist_cpu.py',
    '../../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(num_samples=20000))
randomness = dict(seed=0)
