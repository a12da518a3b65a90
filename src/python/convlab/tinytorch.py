"""TinyTorch's spatial layers (module 08, spatial_dev.py) on convlab's kernels.

A drop-in for a notebook: replace

    from tinytorch.core.spatial import Conv2D, MaxPool2D, flatten
by
    from convlab.tinytorch import Conv2D, MaxPool2D, flatten

and keep the rest. The constructors take TinyTorch's arguments:
Conv2D(in_channels, out_channels, kernel_size, bias=True) with He-initialised
weight (out, in, kh, kw) and zero bias; MaxPool2D(pool_size, stride=None) with
the stride defaulting to the pool size; flatten(x) to 1-D. Layers are called
on one image (C, H, W), as TinyTorch does, or on a batch (N, C, H, W).

Inputs may be NumPy arrays or TinyTorch Tensors (anything with .data); the
result has the input's type. Data is converted to float32 once per call, the
precision convlab computes in, so results are float32 (TinyTorch's are float64).
The keyword-only variant= and threads= pick a convlab variant (default "best").
"""

import numpy as np

from . import conv2d, max_pool2d


class Tensor:
    """The least of TinyTorch's Tensor this module needs: .data and .shape.

    Weights are held in one, so `layer.weight.data` reads as in TinyTorch.
    """

    def __init__(self, data):
        self.data = np.asarray(data)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor(shape={self.shape}, dtype={self.data.dtype})"


def _data(x):
    return x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else np.asarray(x)


def _like(x, result):
    """The result in the input's type: an array for an array, else type(x)(result)."""
    if isinstance(x, np.ndarray) or not hasattr(x, "data"):
        return result
    return type(x)(result)


def _float32(a):
    return np.ascontiguousarray(a, dtype=np.float32)  # no copy when already float32 C-order


def _pair(value, name):
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{name}: expected an int or a pair (h, w), got {value!r}")
    return pair


def _image_or_batch(data, what):
    if data.ndim not in (3, 4):
        raise ValueError(f"Expected 3D input (channels, height, width) or 4D (batch, channels, "
                         f"height, width) for {what}, got {data.ndim}D")


class Conv2D:
    """TinyTorch's Conv2D: stride 1, no padding, cross-correlation plus bias."""

    def __init__(self, in_channels, out_channels, kernel_size, bias=True, *,
                 variant="best", threads=1):
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.use_bias = bias
        self.variant = variant
        self.threads = threads
        # He initialisation, as TinyTorch: scale sqrt(2 / fan_in).
        fan_in = in_channels * self.kernel_size[0] * self.kernel_size[1]
        scale = np.sqrt(2.0 / fan_in)
        self.weight = Tensor(
            (np.random.randn(out_channels, in_channels, *self.kernel_size) * scale)
            .astype(np.float32))
        self.bias = Tensor(np.zeros(out_channels, dtype=np.float32)) if bias else None

    def forward(self, x):
        data = _data(x)
        _image_or_batch(data, "Conv2D")
        channels = data.shape[-3]
        if channels != self.in_channels:
            raise ValueError(f"Expected {self.in_channels} input channels, got {channels}")
        bias = _float32(self.bias.data) if self.use_bias else None
        out = conv2d(_float32(data), _float32(self.weight.data), bias,
                     variant=self.variant, threads=self.threads)
        return _like(x, out)

    __call__ = forward

    def parameters(self):
        return [self.weight] + ([self.bias] if self.use_bias else [])


class MaxPool2D:
    """TinyTorch's MaxPool2D: windows of pool_size, stride defaulting to it, no padding."""

    def __init__(self, pool_size, stride=None, *, variant="best", threads=1):
        self.pool_size = _pair(pool_size, "pool_size")
        self.stride = self.pool_size if stride is None else _pair(stride, "stride")
        self.variant = variant
        self.threads = threads

    def forward(self, x):
        data = _data(x)
        _image_or_batch(data, "MaxPool2D")
        out = max_pool2d(_float32(data), self.pool_size, self.stride,
                         variant=self.variant, threads=self.threads)
        return _like(x, out)

    __call__ = forward

    def parameters(self):
        return []


def flatten(x, start_dim=0):
    """All elements in C order, as TinyTorch's flatten (shape (total,)).

    start_dim=1 keeps the batch axis: (N, C, H, W) -> (N, C*H*W), torch.flatten's way.
    """
    data = _data(x)
    flat = data.reshape(data.shape[:start_dim] + (-1,))
    return _like(x, flat)
