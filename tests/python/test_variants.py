"""Every registered variant, through the binding, against the NumPy reference.

Data is integer-valued, so every variant must match exactly (the project's
comparison rule): a tolerance would hide an index error.
"""

import zlib

import numpy as np
import pytest

import convlab
import numpy_reference as ref

CONV_VARIANTS = [v.name for v in convlab.variants("conv2d")]
POOL_VARIANTS = [v.name for v in convlab.variants("pool2d")]
SHAPES_PER_VARIANT = 12


def integers(rng, shape, low=-4, high=5):
    return rng.integers(low, high, size=shape).astype(np.float32)


def random_conv_case(rng):
    groups = int(rng.choice([1, 1, 2, 3]))
    icg, ocg = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    ph, pw = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    h = max(int(rng.integers(1, 20)), dh * (kh - 1) + 1 - 2 * ph)
    w = max(int(rng.integers(1, 20)), dw * (kw - 1) + 1 - 2 * pw)
    x = integers(rng, (int(rng.integers(1, 4)), icg * groups, h, w))
    wt = integers(rng, (ocg * groups, icg, kh, kw))
    b = integers(rng, (ocg * groups,)) if rng.random() < 0.7 else None
    return x, wt, b, dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=groups)


@pytest.mark.parametrize("variant", CONV_VARIANTS)
def test_conv2d_variant_matches_numpy_exactly(variant):
    info = next(v for v in convlab.variants("conv2d") if v.name == variant)
    rng = np.random.default_rng(zlib.crc32(variant.encode()))  # reproducible per variant
    ran = 0
    for _ in range(SHAPES_PER_VARIANT * 100):  # a branch that takes some shapes gets as many it takes
        if ran == SHAPES_PER_VARIANT:
            break
        x, w, b, kw = random_conv_case(rng)
        problem = convlab.problem("conv2d", x.shape, w.shape, bias=b is not None, **kw)
        ok, reason = info.supports(problem)
        if not ok:
            assert reason, f"{variant} declines without a reason"
            continue
        got = convlab.conv2d(x, w, b, variant=variant, **kw)
        want = ref.conv2d(x, w, b, **kw)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want, err_msg=f"{variant} on {problem}")
        ran += 1
    assert ran > 0, f"{variant} supported none of the random shapes"


@pytest.mark.parametrize("variant", CONV_VARIANTS)
def test_conv2d_seed_shape_single_image(variant):
    # TinyTorch's own case, one image (C, H, W): 3 -> 16 channels, 3x3, on 28x28.
    rng = np.random.default_rng(7)
    x, w, b = integers(rng, (3, 28, 28)), integers(rng, (16, 3, 3, 3)), integers(rng, (16,))
    info = next(v for v in convlab.variants("conv2d") if v.name == variant)
    ok, reason = info.supports(convlab.problem("conv2d", x[None].shape, w.shape))
    if not ok:  # a branch (depthwise) may refuse a dense layer, with its reason
        assert reason and info.kind == "branch"
        return
    got = convlab.conv2d(x, w, b, variant=variant)
    assert got.shape == (16, 26, 26)
    np.testing.assert_array_equal(got, ref.conv2d(x[None], w, b)[0])


def random_pool_case(rng, op):
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
    dh, dw = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) if op == "max_pool2d" else (1, 1)
    h = max(int(rng.integers(1, 20)), dh * (kh - 1) + 1 - 2 * ph)
    w = max(int(rng.integers(1, 20)), dw * (kw - 1) + 1 - 2 * pw)
    x = integers(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 6)), h, w), -50, 50)
    args = dict(kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw),
                ceil_mode=bool(rng.integers(0, 2)))
    if op == "max_pool2d":
        args["dilation"] = (dh, dw)
    else:
        args["count_include_pad"] = bool(rng.integers(0, 2))
    return x, args


def pool_reference(op, x, a):
    if op == "max_pool2d":
        return ref.max_pool2d(x, a["kernel_size"], a["stride"], a["padding"], a["dilation"],
                              a["ceil_mode"])
    return ref.avg_pool2d(x, a["kernel_size"], a["stride"], a["padding"], a["ceil_mode"],
                          a["count_include_pad"])


@pytest.mark.parametrize("op", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("variant", POOL_VARIANTS)
def test_pool2d_variant_matches_numpy_exactly(variant, op):
    info = next(v for v in convlab.variants("pool2d") if v.name == variant)
    rng = np.random.default_rng(zlib.crc32(f"{op}:{variant}".encode()))
    run = getattr(convlab, op)
    ran = 0
    for _ in range(SHAPES_PER_VARIANT):
        x, args = random_pool_case(rng, op)
        ok, reason = info.supports(convlab.problem(op, x.shape, **args))
        if not ok:
            assert reason
            continue
        got = run(x, **args, variant=variant)
        np.testing.assert_array_equal(got, pool_reference(op, x, args),
                                      err_msg=f"{op} {variant} {x.shape} {args}")
        ran += 1
    assert ran > 0


@pytest.mark.parametrize("variant", CONV_VARIANTS)
def test_conv2d_padding_same_with_an_even_kernel_pads_one_side_more(variant):
    # PyTorch's padding='same' for a 4x2 kernel pads 1 row above, 2 below, 0 left, 1 right.
    rng = np.random.default_rng(11)
    x, w = integers(rng, (2, 16, 9, 13)), integers(rng, (32, 16, 4, 2))
    problem = convlab.problem("conv2d", x.shape, w.shape, padding="same")
    assert problem.fields["padding"] == (0, 1, 1, 2)  # F.pad's order: left, right, top, bottom
    if not next(v for v in convlab.variants("conv2d") if v.name == variant).supports(problem)[0]:
        return
    got = convlab.conv2d(x, w, padding="same", variant=variant)
    assert got.shape == (2, 32, 9, 13)
    np.testing.assert_array_equal(got, ref.conv2d(x, w, padding="same"))


def test_conv2d_padding_same_refuses_a_stride_as_pytorch():
    x, w = np.ones((1, 1, 8, 8), np.float32), np.ones((1, 1, 3, 3), np.float32)
    with pytest.raises(ValueError, match="padding"):
        convlab.conv2d(x, w, stride=2, padding="same")
    np.testing.assert_array_equal(convlab.conv2d(x, w, padding="valid"), ref.conv2d(x, w))


def test_empty_batch_gives_an_empty_output():
    x = np.zeros((0, 3, 8, 8), np.float32)
    assert convlab.conv2d(x, np.ones((4, 3, 3, 3), np.float32), padding=1).shape == (0, 4, 8, 8)
    assert convlab.max_pool2d(x, 2).shape == (0, 3, 4, 4)


@pytest.mark.parametrize("variant", POOL_VARIANTS)
def test_avg_pool2d_divisor_override(variant):
    rng = np.random.default_rng(5)
    x = integers(rng, (2, 3, 11, 9), -50, 50)
    args = dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True)
    got = convlab.avg_pool2d(x, **args, divisor_override=5, variant=variant)
    np.testing.assert_array_equal(got, ref.avg_pool2d(x, (3, 2), (2, 2), (1, 1), True, True, 5))


def test_max_pool2d_return_indices_as_pytorch():
    x = np.array([[[[1, 3, 3, 2], [0, 5, 5, 1], [7, 7, 2, 2]]]], np.float32)
    y, idx = convlab.max_pool2d(x, 2, 2, padding=1, return_indices=True)
    want_y, want_idx = ref.max_pool2d(x, (2, 2), (2, 2), (1, 1), return_indices=True)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(idx, want_idx)
    assert idx.dtype == np.int64
    rng = np.random.default_rng(9)
    x = integers(rng, (2, 3, 10, 11), -3, 3)  # many ties: the first maximum must win
    y, idx = convlab.max_pool2d(x, 3, 2, dilation=2, ceil_mode=True, return_indices=True)
    want_y, want_idx = ref.max_pool2d(x, (3, 3), (2, 2), (0, 0), (2, 2), True, return_indices=True)
    np.testing.assert_array_equal(idx, want_idx)
    with pytest.raises(ValueError, match="indices"):
        convlab.max_pool2d(x, 2, return_indices=True, variant="simd")


def test_avg_pool2d_zero_quotient_is_positive_zero():
    x = np.array([[[[-1e-45, 0.0, -0.0, -0.0]]]], np.float32)  # PyTorch 1.13 gives +0.0 twice
    y = convlab.avg_pool2d(x, (1, 2))
    assert not np.signbit(y).any()


def test_seed_maxpool_fact_through_the_functional_api():
    x = np.arange(1, 17, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(convlab.max_pool2d(x, 2), [[[[6, 8], [14, 16]]]])


def test_unaligned_input_is_used_in_place():
    # A view 4 bytes past an allocation's start: still float32-aligned, never
    # vector-aligned. Kernels must not assume more than the element alignment.
    rng = np.random.default_rng(3)
    base = integers(rng, (1 + 2 * 3 * 17 * 19,))
    x = base[1:].reshape(2, 3, 17, 19)
    assert x.ctypes.data % 16 != 0 or base.ctypes.data % 16 != 0
    w = integers(rng, (5, 3, 3, 3))
    want = ref.conv2d(x, w)
    problem = convlab.problem("conv2d", x.shape, w.shape)
    for variant in [v.name for v in convlab.variants("conv2d") if v.supports(problem)[0]]:
        np.testing.assert_array_equal(convlab.conv2d(x, w, variant=variant), want, err_msg=variant)
    want_pool = ref.max_pool2d(x, (3, 3), (2, 2))
    for variant in POOL_VARIANTS:
        np.testing.assert_array_equal(convlab.max_pool2d(x, 3, 2, variant=variant), want_pool)


def test_variants_lists_every_registered_variant_with_its_kind():
    names = [(v.op, v.name) for v in convlab.variants()]
    assert len(names) == len(set(names))
    assert {v.kind for v in convlab.variants()} <= {"ladder", "branch", "baseline"}
    assert all(v.summary for v in convlab.variants())
    assert CONV_VARIANTS[0] == "naive" and POOL_VARIANTS[0] == "naive"
    assert [v.name for v in convlab.variants("max_pool2d")] == POOL_VARIANTS


def test_best_is_the_highest_ladder_rung_that_supports_the_problem():
    x = np.ones((1, 3, 8, 8), np.float32)
    w = np.ones((4, 3, 3, 3), np.float32)
    problem = convlab.problem("conv2d", x.shape, w.shape)
    rungs = [v.name for v in convlab.variants("conv2d")
             if v.kind == "ladder" and v.supports(problem)[0]]
    assert convlab.plan("conv2d", x.shape, w).variant == rungs[-1]
    pool_rungs = [v.name for v in convlab.variants("pool2d") if v.kind == "ladder"]
    assert convlab.plan("max_pool2d", x.shape, 2).variant == pool_rungs[-1]
