# The PyTorch side of bench/train-vs-pytorch.mjs: the same ResNet-8, LeNet-5, encoder-decoder
# generator and pix2pix pair (U-Net generator, PatchGAN discriminator), timed the same way.
# Run by the .mjs with /usr/bin/python3 (Debian python3-torch); prints one JSON object.
# A trailing --profile adds torch.autograd.profiler's busiest ops per step (resnet8, lenet).
import gzip, json, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PROFILE = "--profile" in sys.argv
if PROFILE:
    sys.argv.remove("--profile")
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.manual_seed(0)


def profile_of(step, steps=10):
    """The ops with the most self CPU time over `steps` calls of step(), in ms per step."""
    with torch.autograd.profiler.profile() as prof:
        for _ in range(steps):
            step()
    rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]
    return {e.key: round(e.self_cpu_time_total / 1000 / steps, 3) for e in rows}


def peak_rss_mb():
    """Peak RSS of this process (VmHWM). Not ru_maxrss: Linux carries the forking parent's peak across exec."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def rss_mb():
    """Resident set size now (not the peak), from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


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


def instance_norm(x):
    # Per sample and channel over the spatial positions, no affine parameters (the zoo's instanceNorm).
    return F.instance_norm(x, eps=1e-5)


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)

    def forward(self, x):
        return F.relu(instance_norm(self.conv2(F.relu(instance_norm(self.conv1(x))))))


class UNetSmall(nn.Module):
    """The zoo's unet-small (ngf 32, depth 3): double 3x3 conv + instance norm + ReLU per level, max-pool
    down, 2x2 stride-2 transposed convs up concatenated with the encoder features, 1x1 conv, tanh."""

    def __init__(self, cin=3, cout=3, ngf=32, depth=3):
        super().__init__()
        self.depth = depth
        self.enc = nn.ModuleList([DoubleConv(cin, ngf)] + [DoubleConv(ngf * 2 ** (i - 1), ngf * 2**i) for i in range(1, depth + 1)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(ngf * 2 ** (i + 1), ngf * 2**i, 2, 2) for i in range(depth)])
        self.dec = nn.ModuleList([DoubleConv(ngf * 2 ** (i + 1), ngf * 2**i) for i in range(depth)])
        self.head = nn.Conv2d(ngf, cout, 1)

    def forward(self, x):
        skips = [self.enc[0](x)]
        for i in range(1, self.depth + 1):
            skips.append(self.enc[i](F.max_pool2d(skips[-1], 2)))
        h = skips[self.depth]
        for i in range(self.depth - 1, -1, -1):
            h = self.dec[i](torch.cat([self.up[i](h), skips[i]], 1))
        return torch.tanh(self.head(h))


class PatchGAN(nn.Module):
    """The zoo's patchgan (ndf 64, 3 layers): 4x4 convs, instance norm after the first, LeakyReLU 0.2."""

    def __init__(self, cin=6, ndf=64, layers=3):
        super().__init__()
        self.conv0 = nn.Conv2d(cin, ndf, 4, 2, 1)
        convs, c = [], ndf
        for i in range(1, layers + 1):
            out = ndf * min(2**i, 8)
            convs.append(nn.Conv2d(c, out, 4, 2 if i < layers else 1, 1))
            c = out
        self.convs = nn.ModuleList(convs)
        self.head = nn.Conv2d(c, 1, 4, 1, 1)

    def forward(self, x):
        h = F.leaky_relu(self.conv0(x), 0.2)
        for conv in self.convs:
            h = F.leaky_relu(instance_norm(conv(h)), 0.2)
        return self.head(h)


def count(model):
    return sum(p.numel() for p in model.parameters())


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
    out = {"train_step_ms": median(times), "peak_rss_mb": peak_rss_mb()}
    if PROFILE:
        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        out["profile_ms_per_step"] = profile_of(step)
    model.eval()
    out["inference_ms"] = median_inference_ms(model, x, steps, warmup)
    return out


def read_images(path, count, shape):
    """uint8 images [count, *shape] then uint8 labels [count], as the .mjs writes them."""
    raw = np.fromfile(path, dtype=np.uint8)
    size = count * int(np.prod(shape))
    return raw[:size].reshape((count, *shape)), raw[size : size + count].astype(np.int64)


def classifier_epochs(model, opt, x, y, epochs, batch, on_epoch=None):
    """Epochs over (x, y) in a fresh random order each, the last partial batch dropped; seconds per epoch."""
    g = torch.Generator().manual_seed(0)
    seconds = []
    for e in range(epochs):
        model.train()
        t = time.perf_counter()
        order = torch.randperm(len(x), generator=g)
        for s in range(len(x) // batch):
            b = order[s * batch : (s + 1) * batch]
            opt.zero_grad()
            F.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
        seconds.append(time.perf_counter() - t)
        if on_epoch:
            on_epoch(e)
    return seconds


def normalized(images, mean, std):
    x = images.astype(np.float32) / 255
    m = np.array(mean, dtype=np.float32).reshape(1, -1, 1, 1)
    s = np.array(std, dtype=np.float32).reshape(1, -1, 1, 1)
    return torch.from_numpy((x - m) / s)


def resnet8_epoch(path, count, epochs, mean, std):
    images, labels = read_images(path, count, (3, 32, 32))
    x, y = normalized(images, mean, std), torch.from_numpy(labels)
    model = ResNet8()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return {"epoch_seconds": classifier_epochs(model, opt, x, y, epochs, 64)}


def memory(path, count, epochs, mean, std):
    """ResNet-8 for `epochs` epochs on a small set: RSS after each epoch and the peak."""
    images, labels = read_images(path, count, (3, 32, 32))
    x, y = normalized(images, mean, std), torch.from_numpy(labels)
    model = ResNet8()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rss = []
    classifier_epochs(model, opt, x, y, epochs, 64, on_epoch=lambda e: rss.append(rss_mb()))
    return {"rss_mb_per_epoch": rss, "peak_rss_mb": peak_rss_mb()}


def pix2pix(steps, warmup):
    """One loop step: G on GAN loss + 100 L1, then D on the real pair and the (detached) fake of the same
    step (BCE); Adam 2e-4, beta1 0.5. G stepped first, as the Condense side's fit loop does."""
    G, D = UNetSmall(), PatchGAN()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    x = torch.rand(16, 3, 32, 32) * 2 - 1
    y = torch.rand(16, 3, 32, 32) * 2 - 1
    bce = nn.BCEWithLogitsLoss()
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        fake = G(x)
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        score = D(torch.cat([x, fake], 1))
        g_loss = bce(score, torch.ones_like(score)) + 100 * (fake - y).abs().mean()
        g_loss.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        opt_d.zero_grad()
        real_score = D(torch.cat([x, y], 1))
        fake_score = D(torch.cat([x, fake.detach()], 1))
        d_loss = 0.5 * (bce(real_score, torch.ones_like(real_score)) + bce(fake_score, torch.zeros_like(fake_score)))
        d_loss.backward()
        opt_d.step()
        if i >= warmup:
            times.append(1000 * (time.perf_counter() - t))
    return {"step_ms": median(times), "generator_params": count(G), "discriminator_params": count(D)}


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


def lenet(folder, epochs, seed=0):
    xtr = idx(folder + "/train-images-idx3-ubyte.gz").astype(np.float32) / 255
    ytr = idx(folder + "/train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = idx(folder + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    yte = idx(folder + "/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    mean, std = xtr.mean(), xtr.std()
    xtr = torch.from_numpy((xtr - mean) / std).unsqueeze(1)
    xte = torch.from_numpy((xte - mean) / std).unsqueeze(1)
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    torch.manual_seed(seed)
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed)
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
    out = {"test_accuracy": acc, "epoch_seconds": epoch_s}
    if PROFILE:
        model.train()
        order = torch.randperm(len(xtr), generator=g)
        batches = iter([order[s * 64 : (s + 1) * 64] for s in range(len(xtr) // 64)])

        def step():
            b = next(batches)
            opt.zero_grad()
            F.cross_entropy(model(xtr[b]), ytr[b]).backward()
            opt.step()
        out["profile_ms_per_step"] = profile_of(step, 50)
    return out


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "resnet8":
        print(json.dumps(resnet8(int(sys.argv[3]), int(sys.argv[4]))))
    elif what == "generator":
        print(json.dumps(generator(int(sys.argv[3]), int(sys.argv[4]))))
    elif what == "pix2pix":
        print(json.dumps(pix2pix(int(sys.argv[3]), int(sys.argv[4]))))
    elif what in ("resnet8_epoch", "memory"):
        path, n, epochs = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        norm = json.loads(sys.argv[6])
        fn = resnet8_epoch if what == "resnet8_epoch" else memory
        print(json.dumps(fn(path, n, epochs, norm["mean"], norm["std"])))
    else:
        print(json.dumps(lenet(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5].isdigit() else 0)))
