#!/usr/bin/python3
"""The seed's CNN forward on a batch of Fashion-MNIST-sized images, three ways.

    Conv2D(1->16, 3x3) -> MaxPool2D(2) -> Conv2D(16->32, 3x3) -> MaxPool2D(2)
    -> flatten -> Linear(800 -> 10), on 32 images of 1x28x28

1. NumPy loops in TinyTorch's style (one np.sum per output pixel, per input
   and output channel, per image);
2. convlab.tinytorch's drop-in layers (variant "best");
3. each conv2d variant of the lab, one row each, pooling by "best".

Run from the repository root after a build:
    PYTHONPATH=build/release/python /usr/bin/python3 scripts/examples/tinytorch_cnn.py
"""

import argparse
import os
import time

import numpy as np

import convlab
from convlab import tinytorch


# --- 1. TinyTorch-style NumPy loops (the seed's approach, one image at a time) ---

def numpy_conv(image, weight, bias):
    channels_out, channels_in, kh, kw = weight.shape
    _, h, w = image.shape
    out = np.zeros((channels_out, h - kh + 1, w - kw + 1))
    for o in range(channels_out):
        for c in range(channels_in):
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    out[o, i, j] += np.sum(image[c, i:i + kh, j:j + kw] * weight[o, c])
        out[o] += bias[o]
    return out


def numpy_maxpool(image, size):
    channels, h, w = image.shape
    out = np.zeros((channels, h // size, w // size))
    for c in range(channels):
        for i in range(h // size):
            for j in range(w // size):
                out[c, i, j] = np.max(image[c, i * size:(i + 1) * size, j * size:(j + 1) * size])
    return out


def forward_numpy(batch, params):
    logits = []
    for image in batch:
        x = numpy_maxpool(numpy_conv(image, params["w1"], params["b1"]), 2)
        x = numpy_maxpool(numpy_conv(x, params["w2"], params["b2"]), 2)
        logits.append(x.reshape(-1) @ params["fc"])
    return np.stack(logits)


# --- 2. convlab.tinytorch: the same layers, swapped in ---

def tinytorch_layers(params, variant="best", threads=1):
    conv1 = tinytorch.Conv2D(1, 16, 3, variant=variant, threads=threads)
    conv2 = tinytorch.Conv2D(16, 32, 3, variant=variant, threads=threads)
    conv1.weight.data[...], conv1.bias.data[...] = params["w1"], params["b1"]
    conv2.weight.data[...], conv2.bias.data[...] = params["w2"], params["b2"]
    pool = tinytorch.MaxPool2D(2, threads=threads)
    return conv1, conv2, pool


def forward_tinytorch(batch, layers, fc):
    conv1, conv2, pool = layers
    x = pool(conv2(pool(conv1(batch))))
    return tinytorch.flatten(x, start_dim=1) @ fc


def best_of(repeats, fn):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--numpy-images", type=int, default=None,
                        help="time the NumPy loops on this many images and scale up (default: all)")
    parser.add_argument("--repeats", type=int, default=5, help="convlab rows: best of this many")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    batch = rng.standard_normal((args.batch, 1, 28, 28)).astype(np.float32)
    params = {
        "w1": (rng.standard_normal((16, 1, 3, 3)) * np.sqrt(2 / 9)).astype(np.float32),
        "b1": rng.standard_normal(16).astype(np.float32) * 0.1,
        "w2": (rng.standard_normal((32, 16, 3, 3)) * np.sqrt(2 / 144)).astype(np.float32),
        "b2": rng.standard_normal(32).astype(np.float32) * 0.1,
        "fc": rng.standard_normal((32 * 5 * 5, 10)).astype(np.float32) * 0.05,
    }

    n_numpy = min(args.numpy_images or args.batch, args.batch)
    start = time.perf_counter()
    numpy_logits = forward_numpy(batch[:n_numpy], params)
    numpy_time = (time.perf_counter() - start) * args.batch / n_numpy

    rows = [("numpy loops (TinyTorch style)" + ("" if n_numpy == args.batch else
             f", {n_numpy} images scaled"), numpy_time, 0.0)]

    def add(label, variant, threads=1):
        layers = tinytorch_layers(params, variant, threads)
        seconds, logits = best_of(args.repeats, lambda: forward_tinytorch(batch, layers, params["fc"]))
        diff = float(np.abs(logits[:n_numpy] - numpy_logits).max())
        rows.append((label, seconds, diff))

    add("convlab.tinytorch (best)", "best")
    for v in convlab.variants("conv2d"):
        add(f"  conv2d {v.name} ({v.kind})", v.name)
    threads = os.cpu_count() or 1
    if threads > 1:
        add(f"  conv2d parallel, {threads} threads", "parallel", threads)

    print(f"seed CNN forward, batch {args.batch} x 1x28x28, isa {convlab.isa()}, "
          f"convlab rows best of {args.repeats}")
    print(f"{'implementation':44} {'ms':>10} {'vs numpy':>9} {'max |diff|':>11}")
    for label, seconds, diff in rows:
        print(f"{label:44} {seconds * 1e3:10.2f} {numpy_time / seconds:8.0f}x {diff:11.2e}")


if __name__ == "__main__":
    main()
