"""PyTorch's conv2d / max_pool2d / avg_pool2d in NumPy, written to be read.

Independent of the C++ reference on purpose: the binding is checked against
the definition, not against the code it wraps. Products and sums are float64,
so integer-valued float32 data gives exact results that every variant must
match bit for bit.
"""

import math

import numpy as np


def conv_padding(padding, kernel, dilation):
    """(top, bottom, left, right) for PyTorch's padding: (h, w), 'valid' or 'same'."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":  # the odd row or column of an even effective kernel goes after
        th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
        return th // 2, th - th // 2, tw // 2, tw - tw // 2
    return padding[0], padding[0], padding[1], padding[1]


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    n, c, h, wd = x.shape
    oc, icg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    pt, pb, pl, pr = conv_padding(padding, (kh, kw), dilation)
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, c, h + pt + pb, wd + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    out = np.zeros((n, oc, oh, ow))
    ocg = oc // groups
    for g in range(groups):
        xs = xp[:, g * icg:(g + 1) * icg]
        ws = w[g * ocg:(g + 1) * ocg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                # Every output's input pixel for tap (i, j): a strided slice.
                tap = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, g * ocg:(g + 1) * ocg] += np.einsum("nchw,oc->nohw", tap, ws[:, :, i, j])
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out.astype(np.float32)


def pool_out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def max_pool2d(x, k, s, p=(0, 0), d=(1, 1), ceil_mode=False, return_indices=False):
    n, c, h, w = x.shape
    oh = pool_out_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    ow = pool_out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    out = np.full((n, c, oh, ow), -np.inf, dtype=np.float32)
    at = np.full((n, c, oh, ow), -1, dtype=np.int64)  # h*w + q of the first maximum
    for i in range(oh):
        for j in range(ow):
            for a in range(k[0]):
                for b in range(k[1]):
                    r, q = i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1]
                    if 0 <= r < h and 0 <= q < w:
                        v = x[:, :, r, q]
                        wins = (v > out[:, :, i, j]) | (at[:, :, i, j] < 0)
                        at[:, :, i, j] = np.where(wins, r * w + q, at[:, :, i, j])
                        out[:, :, i, j] = np.maximum(out[:, :, i, j], v)
    return (out, at) if return_indices else out


def avg_pool2d(x, k, s, p=(0, 0), ceil_mode=False, count_include_pad=True, divisor_override=None):
    n, c, h, w = x.shape
    oh = pool_out_size(h, k[0], s[0], p[0], 1, ceil_mode)
    ow = pool_out_size(w, k[1], s[1], p[1], 1, ceil_mode)
    out = np.zeros((n, c, oh, ow), dtype=np.float32)
    for i in range(oh):
        for j in range(ow):
            r0, q0 = i * s[0] - p[0], j * s[1] - p[1]
            r1, q1 = min(r0 + k[0], h + p[0]), min(q0 + k[1], w + p[1])
            padded_count = (r1 - r0) * (q1 - q0)
            r0, q0, r1, q1 = max(r0, 0), max(q0, 0), min(r1, h), min(q1, w)
            total = x[:, :, r0:r1, q0:q1].astype(np.float64).sum(axis=(2, 3))
            divisor = padded_count if count_include_pad else (r1 - r0) * (q1 - q0)
            if divisor_override and divisor > 0:
                divisor = divisor_override
            # One fp32 division of the (exact) sum, as PyTorch and the library do;
            # a quotient of -0 is +0 in PyTorch.
            out[:, :, i, j] = (total.astype(np.float32) / np.float32(divisor) + np.float32(0)
                               if divisor > 0 else 0)
    return out
