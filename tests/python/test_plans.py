"""Plans, out=, zero-copy, threads and the GIL."""

import os
import threading
import time

import numpy as np
import pytest

import convlab
import numpy_reference as ref

UNDER_ASAN = os.environ.get("CONVLAB_PYTEST_UNDER_ASAN") == "1"


def integers(rng, shape):
    return rng.integers(-4, 5, size=shape).astype(np.float32)


def test_plan_runs_many_times_and_matches_the_functional_call():
    rng = np.random.default_rng(1)
    x, w, b = integers(rng, (4, 6, 15, 13)), integers(rng, (8, 6, 3, 3)), integers(rng, (8,))
    p = convlab.plan("conv2d", x.shape, w, b, padding=1, stride=(1, 2))
    want = convlab.conv2d(x, w, b, padding=1, stride=(1, 2))
    for _ in range(3):
        np.testing.assert_array_equal(p(x), want)
    assert p.problem["output_shape"] == want.shape
    assert p.workspace_bytes >= 0 and p.packed_weight_bytes >= 0
    assert p.describe().startswith("conv2d:" + p.variant)
    assert str(p.workspace_bytes) in p.describe()


def test_plan_keeps_its_own_copy_of_the_weights():
    rng = np.random.default_rng(2)
    x, w = integers(rng, (1, 2, 6, 6)), integers(rng, (3, 2, 3, 3))
    problem = convlab.problem("conv2d", x.shape, w.shape)
    for variant in [v.name for v in convlab.variants("conv2d") if v.supports(problem)[0]]:
        weights = w.copy()
        p = convlab.plan("conv2d", x.shape, weights, variant=variant)
        before = p(x)
        weights += 1  # the caller edits its array; the plan must not see it
        np.testing.assert_array_equal(p(x), before, err_msg=variant)


def test_out_is_written_in_place_and_returned():
    rng = np.random.default_rng(3)
    x, w = integers(rng, (2, 3, 9, 9)), integers(rng, (4, 3, 3, 3))
    out = np.full((2, 4, 7, 7), np.nan, np.float32)
    assert convlab.conv2d(x, w, out=out) is out
    np.testing.assert_array_equal(out, ref.conv2d(x, w))
    pooled = np.empty((2, 3, 4, 4), np.float32)
    p = convlab.plan("max_pool2d", x.shape, 2)
    assert p(x, out=pooled) is pooled
    np.testing.assert_array_equal(pooled, ref.max_pool2d(x, (2, 2), (2, 2)))


def test_out_may_be_a_view_into_a_larger_buffer():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    big = np.zeros((2, 1, 1, 2, 2), np.float32)
    convlab.max_pool2d(x, 2, out=big[1])
    np.testing.assert_array_equal(big[1], [[[[5, 7], [13, 15]]]])
    assert not big[0].any()


def test_single_image_in_single_image_out():
    x = np.ones((3, 8, 8), np.float32)
    assert convlab.conv2d(x, np.ones((2, 3, 3, 3), np.float32)).shape == (2, 6, 6)
    assert convlab.avg_pool2d(x, 2).shape == (3, 4, 4)
    assert convlab.plan("max_pool2d", x.shape, 2)(x).shape == (3, 4, 4)


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d"])
def test_more_threads_give_bitwise_identical_results(op):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 16, 23, 19)).astype(np.float32)  # rounding visible on purpose
    w = rng.standard_normal((24, 16, 3, 3)).astype(np.float32)
    problem = (convlab.problem("conv2d", x.shape, w.shape, padding=1) if op == "conv2d"
               else convlab.problem(op, x.shape, 3, 2, 1))
    names = [v.name for v in convlab.variants("conv2d" if op == "conv2d" else "pool2d") if v.supports(problem)[0]]
    for variant in names:
        results = []
        for threads in (1, 2, 3, 8):
            if op == "conv2d":
                results.append(convlab.conv2d(x, w, padding=1, variant=variant, threads=threads))
            else:
                results.append(getattr(convlab, op)(x, 3, 2, 1, variant=variant, threads=threads))
        for threads, r in zip((2, 3, 8), results[1:]):
            assert r.tobytes() == results[0].tobytes(), f"{op} {variant} threads={threads}"


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(UNDER_ASAN, reason="ASan's quarantine holds freed memory on purpose, "
                                       "so RSS grows without a leak; checked in the release run")
@pytest.mark.parametrize("op", ["conv2d", "max_pool2d"])
def test_plan_reused_1000_times_does_not_leak(op):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 16, 28, 28)).astype(np.float32)
    if op == "conv2d":
        p = convlab.plan("conv2d", x.shape, rng.standard_normal((16, 16, 3, 3)).astype(np.float32))
    else:
        p = convlab.plan("max_pool2d", x.shape, 2)
    out = p(x)
    for _ in range(100):  # warm-up: allocator pools and thread arenas settle
        p(x)
        p(x, out=out)
    before = resident_bytes()
    for _ in range(1000):
        p(x)  # a fresh output each time: 400 KiB (conv) that must be freed
        p(x, out=out)
    growth = resident_bytes() - before
    # A leaked output per call would be >= 100 MiB here; allow allocator noise.
    assert growth < 4 * 2**20, f"RSS grew {growth} bytes over 1000 runs"


def test_the_gil_is_released_while_a_kernel_runs():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((16, 32, 40, 40)).astype(np.float32)
    w = rng.standard_normal((32, 32, 3, 3)).astype(np.float32)
    p = convlab.plan("conv2d", x.shape, w, variant="naive")
    start = time.perf_counter()
    p(x)
    alone = time.perf_counter() - start
    assert alone > 0.05, "the kernel must take long enough to observe"

    worker = threading.Thread(target=p, args=(x,))
    gaps, last = [], time.perf_counter()
    worker.start()
    while worker.is_alive():  # Python work on the main thread, timed
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    worker.join()
    # With the GIL held for the whole kernel, one gap would span all of it.
    assert max(gaps) < alone / 2, f"longest pause {max(gaps):.3f}s of a {alone:.3f}s kernel"


def test_one_plan_from_two_threads_at_once():
    rng = np.random.default_rng(7)
    x = integers(rng, (4, 8, 20, 20))
    p = convlab.plan("conv2d", x.shape, integers(rng, (8, 8, 3, 3)), variant="im2col_gemm"
                     if any(v.name == "im2col_gemm" for v in convlab.variants("conv2d")) else "best")
    want = p(x)
    results = [None] * 4

    def run(i):
        results[i] = p(x)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, want)
