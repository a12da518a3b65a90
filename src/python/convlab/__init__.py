"""convlab from Python: the lab's conv2d and pooling variants on NumPy arrays.

Functions take PyTorch's names and semantics (torch.nn.functional.conv2d,
max_pool2d, avg_pool2d); arrays are NCHW (or CHW for one image), float32 and
C-contiguous, and are used in place, never copied. Anything else raises a
TypeError or ValueError whose message starts with the argument's name.

    import numpy as np, convlab
    x = np.random.rand(32, 1, 28, 28).astype(np.float32)
    w = np.random.rand(8, 1, 3, 3).astype(np.float32)
    y = convlab.conv2d(x, w, padding=1)                # variant="best"
    p = convlab.plan("conv2d", x.shape, w, padding=1)  # packs w once
    y = p(x, out=y)                                    # runs many times

variant="best" picks the highest ladder rung (in study order, see
convlab.variants()) whose supports() accepts the problem. Branches such as
im2col_gemm and the production baselines run only when named.
"""

from ._convlab import (  # noqa: F401  (the public names)
    Conv2dPlan,
    Pool2dPlan,
    Problem,
    Variant,
    avg_pool2d,
    conv2d,
    isa,
    max_pool2d,
)
from . import _convlab

__all__ = [
    "variants", "problem", "plan", "conv2d", "max_pool2d", "avg_pool2d", "isa",
    "Variant", "Problem", "Conv2dPlan", "Pool2dPlan",
]

_OPS = ("conv2d", "max_pool2d", "avg_pool2d")


def variants(op=None):
    """Every registered variant in study order, optionally of one op.

    op: None, "conv2d" or "pool2d" ("max_pool2d"/"avg_pool2d" mean "pool2d").
    Each Variant has name, op, summary, kind ("ladder", "branch", "baseline")
    and supports(problem) -> (ok, reason), for a problem from convlab.problem().
    """
    if op in ("max_pool2d", "avg_pool2d"):
        op = "pool2d"
    if op not in (None, "conv2d", "pool2d"):
        raise ValueError(f"op: expected None, 'conv2d' or 'pool2d', got {op!r}")
    return [v for v in _convlab._variants() if op is None or v.op == op]


def _check_op(op):
    if op not in _OPS:
        raise ValueError(f"op: expected one of {', '.join(map(repr, _OPS))}, got {op!r}")


def problem(op, input_shape, *args, **kwargs):
    """A problem without data, validated like a call, for Variant.supports().

    problem("conv2d", input_shape, weight_shape, bias=True, stride=1, padding=0,
            dilation=1, groups=1)
    problem("max_pool2d", input_shape, kernel_size, stride=None, padding=0,
            dilation=1, ceil_mode=False)
    problem("avg_pool2d", input_shape, kernel_size, stride=None, padding=0,
            ceil_mode=False, count_include_pad=True)
    """
    _check_op(op)
    if op == "conv2d":
        return _conv_problem(input_shape, *args, **kwargs)
    return _pool_args(_convlab._pool2d_problem, op, input_shape, *args, **kwargs)


def plan(op, input_shape, *args, **kwargs):
    """A reusable plan for one shape: weights packed once, run many times.

    plan("conv2d", input_shape, w, b=None, stride=1, padding=0, dilation=1,
         groups=1, variant="best", threads=1)
    plan("max_pool2d", input_shape, kernel_size, stride=None, padding=0,
         dilation=1, ceil_mode=False, variant="best", threads=1)
    plan("avg_pool2d", input_shape, kernel_size, stride=None, padding=0,
         ceil_mode=False, count_include_pad=True, variant="best", threads=1)

    The plan copies w and b, so later changes to those arrays do not affect it.
    Call it as p(x, out=None); see p.describe(), p.workspace_bytes, p.variant.
    """
    _check_op(op)
    if op == "conv2d":
        return _conv_plan(input_shape, *args, **kwargs)
    return _pool_args(_convlab._pool2d_plan, op, input_shape, *args, **kwargs)


# Python holds the defaults, so the C++ entry points take every argument in order.
def _conv_problem(input_shape, weight_shape, bias=True, stride=1, padding=0, dilation=1,
                  groups=1):
    return _convlab._conv2d_problem(input_shape, weight_shape, bool(bias), stride, padding,
                                    dilation, groups)


def _conv_plan(input_shape, w, b=None, stride=1, padding=0, dilation=1, groups=1,
               variant="best", threads=1):
    return _convlab._conv2d_plan(input_shape, w, b, stride, padding, dilation, groups,
                                 variant, threads)


def _pool_args(make, op, input_shape, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode=False, count_include_pad=True, **plan_only):
    if op == "avg_pool2d" and dilation != 1:
        raise ValueError(f"dilation: avg_pool2d has no dilation (as in PyTorch), got {dilation!r}")
    if op == "max_pool2d" and count_include_pad is not True:
        raise ValueError("count_include_pad: only avg_pool2d takes it")
    args = [op, input_shape, kernel_size, stride, padding, dilation, bool(ceil_mode),
            bool(count_include_pad)]
    if make is _convlab._pool2d_plan:
        args += [plan_only.pop("variant", "best"), plan_only.pop("threads", 1)]
    if plan_only:
        raise TypeError(f"{next(iter(plan_only))}: unexpected argument for {op}")
    return make(*args)
