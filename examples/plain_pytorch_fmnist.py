"""AutoMix in a plain PyTorch loop: torchvision's ResNet-18 on Fashion-MNIST, nothing of
OpenMMLab (``pip install mmautomix`` without the ``[mm]`` extra, plus torchvision).

    python examples/plain_pytorch_fmnist.py --root /usr/share/datasets/fashion-mnist
"""
import argparse
import gzip
import time

import numpy as np
import torch
import torchvision

from mmautomix.core import AutoMixClassifier


def read(root, split, n):
    """The first ``n`` images (normalised, 1×28×28) and labels of an IDX .gz split."""
    with gzip.open(f'{root}/{split}-images-idx3-ubyte.gz') as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(f'{root}/{split}-labels-idx1-ubyte.gz') as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return (torch.tensor(x, dtype=torch.float32) / 255 - 0.286) / 0.353, torch.tensor(y).long()


p = argparse.ArgumentParser()
p.add_argument('--root', default='/usr/share/datasets/fashion-mnist')
p.add_argument('--train', type=int, default=60000)
p.add_argument('--test', type=int, default=10000)
p.add_argument('--epochs', type=int, default=1)
p.add_argument('--batch', type=int, default=100)
p.add_argument('--momentum', type=float, default=0.999, help='m, the weight θ_k keeps')
args = p.parse_args()
torch.manual_seed(0)
np.random.seed(0)                      # λ ~ Beta(α, α) is drawn with numpy, as officially
x_train, y_train = read(args.root, 'train', args.train)
x_test, y_test = read(args.root, 't10k', args.test)

net = torchvision.models.resnet18(num_classes=10, zero_init_residual=True)
net.conv1 = torch.nn.Conv2d(1, 64, 3, 1, 1, bias=False)      # 28 px grey images
automix = AutoMixClassifier(net, layer='layer3', in_channels=256, num_classes=10,
                            momentum=args.momentum)          # z: 256×4×4 on 28 px
lr = 0.1 * args.batch / 100
optimizer = torch.optim.SGD(automix.param_groups(lr=lr), momentum=0.9, weight_decay=5e-4)
steps = args.epochs * (len(x_train) // args.batch)
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)

start = time.time()
automix.train()
for epoch in range(args.epochs):
    for i in torch.randperm(len(x_train)).split(args.batch):
        logs = automix.train_step(x_train[i], y_train[i], optimizer)
        schedule.step()
    print(f'epoch {epoch + 1}: loss {logs["loss"]:.3f} ({time.time() - start:.0f} s)')
automix.eval()
with torch.no_grad():
    for name, model in (('EMA θ_k', automix.ema), ('online θ_q', automix.online)):
        top1 = torch.cat([model(x).argmax(1) for x in x_test.split(500)]).eq(y_test)
        print(f'{name} top-1: {100 * top1.float().mean():.2f} %')
