# The PyTorch side of bench/train-vs-pytorch.mjs: the same ResNet-8, LeNet-5 and encoder-decoder
# generator, timed the same way.
# Run by the .mjs with /usr/bin/python3 (Debian python3-torch); prints one JSON object.
import gzip, json, resource, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet8(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layers = nn.Sequential(Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class LeNet5(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(3, 32, 3, 1, 1)
        self.enc2 = nn.Conv2d(32, 64, 4, 2, 1)
        self.enc3 = nn.Conv2d(64, 128, 4, 2, 1)
        self.dec1 = nn.ConvTranspose2d(128, 64, 4, 2, 1)
        self.dec2 = nn.ConvTranspose2d(64, 32, 4, 2, 1)
        self.out = nn.Conv2d(32, 3, 3, 1, 1)

    def forward(self, x):
        x = F.relu(self.enc3(F.relu(self.enc2(F.relu(self.enc1(x))))))
        return torch.tanh(self.out(F.relu(self.dec2(F.relu(self.dec1(x))))))


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def median_inference_ms(model, x, steps, warmup):
    """Median ms of one forward pass without gradients, over `steps` runs after `warmup`."""
    runs = []
    with torch.no_grad():
        for i in range(warmup + steps):
            t = time.perf_counter()
            model(x)
            if i >= warmup:
                runs.append(1000 * (time.perf_counter() - t))
    return median(runs)


def resnet8(steps, warmup):
    model = ResNet8()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(64, 3, 32, 32)
    y = torch.randint(0, 10, (64,))
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(1000 * (time.perf_counter() - t))
    model.eval()
    return {"train_step_ms": median(times), "inference_ms": median_inference_ms(model, x, steps, warmup), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def generator(steps, warmup):
    model = Generator()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(16, 3, 64, 64) * 2 - 1
    y = torch.rand(16, 3, 64, 64) * 2 - 1
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        opt.zero_grad()
        loss = (model(x) - y).abs().mean()
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(1000 * (time.perf_counter() - t))
    return {"train_step_ms": median(times), "inference_ms": median_inference_ms(model, x, steps, warmup)}


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenet(folder, epochs):
    xtr = idx(folder + "/train-images-idx3-ubyte.gz").astype(np.float32) / 255
    ytr = idx(folder + "/train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = idx(folder + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    yte = idx(folder + "/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    mean, std = xtr.mean(), xtr.std()
    xtr = torch.from_numpy((xtr - mean) / std).unsqueeze(1)
    xte = torch.from_numpy((xte - mean) / std).unsqueeze(1)
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    epoch_s = []
    for _ in range(epochs):
        model.train()
        t = time.perf_counter()
        order = torch.randperm(len(xtr), generator=g)
        for s in range(len(xtr) // 64):
            b = order[s * 64 : (s + 1) * 64]
            opt.zero_grad()
            F.cross_entropy(model(xtr[b]), ytr[b]).backward()
            opt.step()
        epoch_s.append(time.perf_counter() - t)
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    return {"test_accuracy": acc, "epoch_seconds": epoch_s}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "resnet8":
        print(json.dumps(resnet8(int(sys.argv[3]), int(sys.argv[4]))))
    elif what == "generator":
        print(json.dumps(generator(int(sys.argv[3]), int(sys.argv[4]))))
    else:
        print(json.dumps(lenet(sys.argv[3], int(sys.argv[4]))))
