# The PyTorch peer of bench/methods/continual.mjs: EWC on the same task sequence (the task files the
# .mjs writes), the same multi-head LeNet-5, the same Fisher (batches of 20 in order, the mean of the
# squared batch gradients) and merge, Adam with a fresh state per task, shuffled batches with the last
# partial one dropped. Prints one JSON object: seconds per task (training and Fisher, not evaluation)
# and the accuracy matrix. Run by the .mjs with /usr/bin/python3 (Debian python3-torch).
# Usage: continual-ewc.py <task folder> <lambda> <epochs> <batch> <lr> <seed> [threads]
import json, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

folder, lam, epochs, batch, lr, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(int(sys.argv[7]) if len(sys.argv) > 7 else 2)
torch.manual_seed(seed)
np.random.seed(seed)
FISHER_BATCH = 20

meta = json.load(open(os.path.join(folder, "tasks.json")))
c, h, w = meta["shape"]
mean, std = meta["mean"][0], meta["std"][0]


def load(name, count):
    pixels = np.fromfile(os.path.join(folder, f"{name}.pixels"), dtype=np.uint8).reshape(count, c, h, w)
    labels = np.fromfile(os.path.join(folder, f"{name}.labels"), dtype=np.int32)
    return torch.from_numpy((pixels.astype(np.float32) / 255 - mean) / std), torch.from_numpy(labels.astype(np.int64))


tasks = [(load(f"task{i}-train", t["train"]), load(f"task{i}-test", t["test"]), t["classes"]) for i, t in enumerate(meta["tasks"])]


class MultiHeadLeNet(nn.Module):
    """LeNet-5 as Condense's zoo builds it (ReLU, max pooling, 28x28 padded by 2), one linear head per task."""

    def __init__(self, heads):
        super().__init__()
        self.conv1 = nn.Conv2d(c, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        size = ((h // 2) - 4) // 2
        self.fc1 = nn.Linear(16 * size * size, 120)
        self.fc2 = nn.Linear(120, 84)
        self.heads = nn.ModuleList([nn.Linear(84, k) for k in heads])

    def forward(self, x, t):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc2(F.relu(self.fc1(x.flatten(1)))))
        return self.heads[t](x)


model = MultiHeadLeNet([k for _, _, k in tasks])
trunk = [(n, p) for n, p in model.named_parameters() if not n.startswith("heads.")]


def fisher_of(t, x, y):
    """(1/N) sum over in-order batches of 20 of 20 * g_b^2 (AFEC's code), N = 20 * batches."""
    model.train()
    out = {n: torch.zeros_like(p) for n, p in trunk}
    batches = x.shape[0] // FISHER_BATCH
    for b in range(batches):
        model.zero_grad()
        F.cross_entropy(model(x[b * FISHER_BATCH:(b + 1) * FISHER_BATCH], t), y[b * FISHER_BATCH:(b + 1) * FISHER_BATCH]).backward()
        for n, p in trunk:
            out[n] += FISHER_BATCH * p.grad.detach() ** 2
    return {n: f / (FISHER_BATCH * batches) for n, f in out.items()}


def accuracy(t, x, y):
    model.eval()
    with torch.no_grad():
        hits = sum((model(x[i:i + 500], t).argmax(1) == y[i:i + 500]).sum().item() for i in range(0, x.shape[0], 500))
    return hits / x.shape[0]


fisher_old, anchor = None, None
seconds, matrix = [], []
for t, ((x, y), _, _) in enumerate(tasks):
    start = time.perf_counter()
    params = [p for _, p in trunk] + list(model.heads[t].parameters())
    optimizer = torch.optim.Adam(params, lr=lr)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(x.shape[0])
        for b in range(x.shape[0] // batch):
            idx = order[b * batch:(b + 1) * batch]
            loss = F.cross_entropy(model(x[idx], t), y[idx])
            if t > 0 and lam > 0:
                loss = loss + lam / 2 * sum((fisher_old[n] * (p - anchor[n]) ** 2).sum() for n, p in trunk)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    if lam > 0:
        ft = fisher_of(t, x, y)
        fisher_old = ft if fisher_old is None else {n: (ft[n] + t * fisher_old[n]) / (t + 1) for n in ft}
        anchor = {n: p.detach().clone() for n, p in trunk}
    seconds.append(time.perf_counter() - start)
    matrix.append([accuracy(u, tasks[u][1][0], tasks[u][1][1]) for u in range(t + 1)])
    print(f"pytorch ewc task {t + 1}: {seconds[-1]:.1f} s, {[round(a, 4) for a in matrix[-1]]}", file=sys.stderr)

print(json.dumps({"seconds": seconds, "matrix": matrix, "threads": torch.get_num_threads(), "torch": torch.__version__}))
