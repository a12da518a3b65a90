"""Bad arguments: the right exception, a message that starts with the
argument's name, and never a crash."""

import numpy as np
import pytest

import convlab

X = np.ones((2, 3, 8, 8), np.float32)
W = np.ones((4, 3, 3, 3), np.float32)
B = np.zeros(4, np.float32)


def conv(**changes):
    args = dict(x=X, w=W, b=B)
    args.update(changes)
    return lambda: convlab.conv2d(**args)


def maxpool(**changes):
    args = dict(x=X, kernel_size=2)
    args.update(changes)
    return lambda: convlab.max_pool2d(**args)


def avgpool(**changes):
    args = dict(x=X, kernel_size=2)
    args.update(changes)
    return lambda: convlab.avg_pool2d(**args)


CASES = {
    # dtype, container, layout, rank
    "x float64": (conv(x=X.astype(np.float64)), TypeError, "x"),
    "x a list": (conv(x=X.tolist()), TypeError, "x"),
    "x int32": (maxpool(x=X.astype(np.int32)), TypeError, "x"),
    "x not contiguous": (conv(x=X[:, :, :, ::2]), ValueError, "x"),
    "x Fortran order": (conv(x=np.asfortranarray(X)), ValueError, "x"),
    "x 2-D": (conv(x=X[0, 0]), ValueError, "x"),
    "x 5-D": (maxpool(x=X[None]), ValueError, "x"),
    "w float64": (conv(w=W.astype(np.float64)), TypeError, "w"),
    "w 3-D": (conv(w=W[0]), ValueError, "w"),
    "w channels != x channels": (conv(w=np.ones((4, 2, 3, 3), np.float32)), ValueError, "w"),
    "w larger than the input": (conv(w=np.ones((4, 3, 9, 9), np.float32)), ValueError, "w"),
    "b wrong length": (conv(b=np.zeros(5, np.float32)), ValueError, "b"),
    "b 2-D": (conv(b=np.zeros((4, 1), np.float32)), ValueError, "b"),
    "b float64": (conv(b=np.zeros(4)), TypeError, "b"),
    # parameter values
    "stride 0": (conv(stride=0), ValueError, "stride"),
    "stride negative pair": (conv(stride=(1, -2)), ValueError, "stride"),
    "stride a float": (conv(stride=1.5), TypeError, "stride"),
    "stride three values": (conv(stride=(1, 1, 1)), ValueError, "stride"),
    "padding negative": (conv(padding=-1), ValueError, "padding"),
    "padding an unknown mode": (conv(padding="full"), ValueError, "padding"),
    "dilation 0": (conv(dilation=0), ValueError, "dilation"),
    "groups not dividing channels": (conv(groups=2, w=np.ones((4, 1, 3, 3), np.float32)),
                                     ValueError, "groups"),
    "groups 0": (conv(groups=0), ValueError, "groups"),
    "threads 0": (conv(threads=0), ValueError, "threads"),
    "threads a string": (conv(threads="2"), TypeError, "threads"),
    "groups a float": (conv(groups=1.0), TypeError, "groups"),
    "variant unknown": (conv(variant="fastest"), ValueError, "variant"),
    "kernel_size 0": (maxpool(kernel_size=0), ValueError, "kernel_size"),
    "kernel_size larger than input": (maxpool(kernel_size=9), ValueError, "kernel_size"),
    "pool padding over half the kernel": (maxpool(kernel_size=2, padding=2), ValueError, "padding"),
    "pool stride 0": (avgpool(stride=0), ValueError, "stride"),
    "pool variant unknown": (avgpool(variant="naiv"), ValueError, "variant"),
    # out=
    "out wrong shape": (conv(out=np.empty((2, 4, 5, 5), np.float32)), ValueError, "out"),
    "out float64": (conv(out=np.empty((2, 4, 6, 6))), TypeError, "out"),
    "out read-only": (conv(out=np.broadcast_to(np.float32(0), (2, 4, 6, 6))), ValueError, "out"),
}
# Writing the output over the input it reads: refused, not computed wrongly.
_alias = np.ones((1, 1, 4, 4), np.float32)
CASES["out aliases x"] = (lambda: convlab.max_pool2d(_alias, 1, out=_alias), ValueError, "out")


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_argument_raises_naming_it(case):
    call, error, argument = CASES[case]
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert message.startswith(argument + ":"), f"{case}: {message!r}"


def test_at_least_fifteen_cases():
    assert len(CASES) >= 15


def test_plan_rejects_a_different_input_shape():
    p = convlab.plan("conv2d", X.shape, W, B)
    with pytest.raises(ValueError, match=r"^x: .*\(2, 3, 8, 8\)"):
        p(np.ones((1, 3, 8, 8), np.float32))
    with pytest.raises(ValueError, match="^x:"):
        p(X[0])  # the plan was made for a batch


def test_problem_and_plan_errors_name_their_arguments():
    with pytest.raises(ValueError, match="^op:"):
        convlab.plan("conv3d", X.shape, W)
    with pytest.raises(ValueError, match="^input_shape:"):
        convlab.problem("max_pool2d", (8, 8), 2)
    with pytest.raises(TypeError, match="^input_shape:"):
        convlab.problem("max_pool2d", "big", 2)
    with pytest.raises(ValueError, match="^dilation:"):  # avg pooling has none (PyTorch)
        convlab.plan("avg_pool2d", X.shape, 2, dilation=2)
    with pytest.raises(ValueError, match="^problem:"):
        convlab.variants("conv2d")[0].supports(convlab.problem("max_pool2d", X.shape, 2))


def test_library_error_text_keeps_field_and_value():
    # The Python message is the argument, then convlab::Error's "<field>=<value>: why".
    with pytest.raises(ValueError, match=r"^stride: sh=0: "):
        convlab.conv2d(X, W, stride=(0, 1))
