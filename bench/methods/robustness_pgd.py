# The benchmark peer of bench/methods/robustness.mjs: PGD (L-inf, no random start) in PyTorch on a
# LeNet-5 whose weights are read from the exported ONNX file's initializers (a small protobuf reader
# below, since Debian's python3 has no onnx package). Prints one JSON line: the accuracy per setting.
# Usage: robustness_pgd.py model.onnx images.u8 labels.u8 count '[{"eps":..,"steps":..,"stepSize":..}]' '{"mean":[..],"std":[..]}'
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) of one protobuf message; length-delimited values as bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield num, wire, v


def initializers(path):
    """name -> float32 array of every initializer of ModelProto.graph (field 7), GraphProto.initializer (5)."""
    data = open(path, "rb").read()
    graph = next(v for n, _, v in fields(data) if n == 7)
    out = {}
    for n, _, t in fields(graph):
        if n != 5:
            continue
        dims, name, raw, floats, dtype = [], None, None, [], 1
        for fn, wire, v in fields(t):
            if fn == 1:
                if wire == 2:  # packed dims
                    j = 0
                    while j < len(v):
                        d, j = varint(v, j)
                        dims.append(d)
                else:
                    dims.append(v)
            elif fn == 2:
                dtype = v
            elif fn == 8:
                name = v.decode()
            elif fn == 9:
                raw = v
            elif fn == 4:
                floats.extend(struct.unpack(f"<{len(v) // 4}f", v) if wire == 2 else struct.unpack("<f", v))
        if dtype != 1:  # only FLOAT tensors are weights; shapes and indices are skipped
            continue
        values = np.frombuffer(raw, dtype="<f4") if raw is not None else np.array(floats, dtype=np.float32)
        out[name] = values.reshape(dims) if dims else values
    return out


def lenet(w, x):
    h = F.max_pool2d(F.relu(F.conv2d(x, w["conv1.weight"], w["conv1.bias"], padding=2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w["conv2.weight"], w["conv2.bias"])), 2)
    h = h.flatten(1)
    h = F.relu(F.linear(h, w["fc1.weight"], w["fc1.bias"]))
    h = F.relu(F.linear(h, w["fc2.weight"], w["fc2.bias"]))
    return F.linear(h, w["fc3.weight"], w["fc3.bias"])


def main():
    model, images, labels, count, settings, norm = sys.argv[1:7]
    count = int(count)
    settings = json.loads(settings)
    norm = json.loads(norm)
    raw = initializers(model)
    w = {}
    for name in ["conv1", "conv2", "fc1", "fc2", "fc3"]:
        weight = torch.tensor(np.array(raw[f"{name}.weight"]))
        bias = torch.tensor(np.array(raw[f"{name}.bias"]))
        # A linear weight stored [in, out] (MatMul form) is transposed to torch's [out, in].
        if weight.dim() == 2 and weight.shape[0] != bias.shape[0]:
            weight = weight.t().contiguous()
        w[f"{name}.weight"], w[f"{name}.bias"] = weight, bias
    x0 = torch.tensor(np.fromfile(images, dtype=np.uint8)[: count * 784].astype(np.float32) / 255).reshape(count, 1, 28, 28)
    y = torch.tensor(np.fromfile(labels, dtype=np.uint8)[:count].astype(np.int64))
    mean, std = norm["mean"][0], norm["std"][0]
    f = lambda x: lenet(w, (x - mean) / std)
    accuracy = []
    for s in settings:
        eps, steps, alpha = s["eps"], s["steps"], s["stepSize"]
        x = x0.clone()
        if eps > 0:
            for _ in range(steps):
                x.requires_grad_(True)
                loss = F.cross_entropy(f(x), y, reduction="sum")
                (g,) = torch.autograd.grad(loss, x)
                with torch.no_grad():
                    x = torch.min(torch.max(x + alpha * g.sign(), x0 - eps), x0 + eps).clamp(0, 1)
        with torch.no_grad():
            accuracy.append(float((f(x).argmax(1) == y).float().mean()))
    print(json.dumps({"accuracy": accuracy, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
