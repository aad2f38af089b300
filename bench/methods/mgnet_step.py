"""PyTorch peer of the MGNet training step (arXiv 2111.02018; methods.md 8) for bench/methods/mgnet.mjs.

The same model as src/compute/model/mgnet.ts with the LeNet-5 trunk: T glimpses resampled by
affine_grid / grid_sample (align corners), the trunk's features with the detached (s, tx, ty) fused by
single-head self-attention (last position), LayerNorm, ReLU, a global head after every glimpse, a
localisation head (sigmoid, gradient scaled by 0.02) and the auxiliary head, trained with the loss of
methods.md 8.4 by Adam. Random images and labels: only the time of a step is measured.

Usage: python3 mgnet_step.py '{"batch": 64, "canvas": 56, "glimpses": 3, "scale": 2, "steps": 20}'
Prints one JSON line: {"ms_per_step": ...}.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)

SCALE_MIN, SCALE_MAX = 0.2, 0.5


class GradScale(torch.autograd.Function):
    """Identity forward; the gradient multiplied by `factor` (the localisation head learns slowly)."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class LeNetTrunk(nn.Module):
    def __init__(self, channels, size):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        side = (size // 2 - 4) // 2
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.fc2 = nn.Linear(120, 84)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return F.relu(self.fc2(F.relu(self.fc1(h.flatten(1)))))


class MultiGlimpse(nn.Module):
    def __init__(self, channels, classes, glimpses, glimpse_size, grad_scale=0.02):
        super().__init__()
        self.backbone = LeNetTrunk(channels, glimpse_size)
        e = 84 + 3
        self.in_proj = nn.Linear(e, 3 * e)
        self.out_proj = nn.Linear(e, e)
        self.norm = nn.LayerNorm(e)
        self.global_fc = nn.Linear(e, classes)
        self.glimpse_fc = nn.Linear(84, classes)
        self.loc_fc = nn.Linear(e, 3)
        self.glimpses = glimpses
        self.size = glimpse_size
        self.grad_scale = grad_scale

    def forward(self, x):
        n, c = x.shape[:2]
        affine = x.new_tensor([1.0, 0.0, 0.0]).expand(n, 3)
        keys, values, logits, aux = [], [], [], []
        for t in range(self.glimpses):
            s, tx, ty = affine[:, 0], affine[:, 1], affine[:, 2]
            zero = torch.zeros_like(s)
            theta = torch.stack([torch.stack([s, zero, tx], 1), torch.stack([zero, s, ty], 1)], 1)
            grid = F.affine_grid(theta, [n, c, self.size, self.size], align_corners=True)
            h = self.backbone(F.grid_sample(x, grid, align_corners=True))
            if t > 0:
                aux.append(self.glimpse_fc(h))
            q, k, v = self.in_proj(torch.cat([h, affine.detach()], 1)).chunk(3, 1)
            keys.append(k)
            values.append(v)
            scores = torch.einsum('ne,nte->nt', q, torch.stack(keys, 1)) / math.sqrt(q.shape[1])
            context = torch.einsum('nt,nte->ne', scores.softmax(1), torch.stack(values, 1))
            fused = F.relu(self.norm(self.out_proj(context)))
            logits.append(self.global_fc(fused))
            if t == self.glimpses - 1:
                break
            sig = GradScale.apply(torch.sigmoid(self.loc_fc(fused)), self.grad_scale)
            scale = sig[:, :1] * (SCALE_MAX - SCALE_MIN) + SCALE_MIN
            shift = (sig[:, 1:] - 0.5) * 2 * (1 - scale)
            affine = torch.cat([scale, shift], 1)
        return logits, aux


def loss_of(logits, aux, labels, alpha=0.6):
    main = sum(F.cross_entropy(l, labels) for l in logits) / len(logits)
    if not aux:
        return main
    return (1 - alpha) * main + alpha * sum(F.cross_entropy(a, labels) for a in aux) / len(aux)


def main():
    cfg = json.loads(sys.argv[1])
    batch, canvas, glimpses, scale, steps = cfg['batch'], cfg['canvas'], cfg['glimpses'], cfg['scale'], cfg['steps']
    torch.manual_seed(1)
    model = MultiGlimpse(1, 10, glimpses, int(canvas // scale))
    x = torch.randn(batch, 1, canvas, canvas)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        logits, aux = model(x)
        loss_of(logits, aux, y).backward()
        opt.step()

    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    print(json.dumps({'ms_per_step': 1000 * (time.perf_counter() - started) / steps, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main()
