// pool2d step 02 — simd: V output columns at once (xsimd, runtime dispatch
// AVX-512 / AVX2 / SSE4.2) in 01's interior; 01's scalar formula at the edges.
//
// What changed from 01_interior_edge: the interior's output columns run in
//   vectors of V = 16 / 8 / 4 lanes (kernel/simd_pool.hpp) instead of one at
//   a time. Lane l of tap k reads column (j + l)*sw - pw + k*(dw+1): at
//   stride 1 that is one contiguous load per tap; other strides gather
//   (step 03 replaces the gathers). The last block of a row has n < V lanes:
//   masked loads and stores. Each lane repeats the reference's scalar steps
//   in order (NaN-aware max, one division per average), so the result is
//   bit-exact.
// Why (the bottleneck): 01 still reduces one element per instruction group;
//   16 outputs of a 2x2 stride-1 max now cost a few vector loads and NaN-aware
//   max updates. Once the loop is this cheap, a tensor in DRAM exposes the
//   next limit, misses in flight, so the kernel also prefetches 4 KiB ahead.
// Loop nest:
//   for plane (n, c): for oh: rows = window rows inside the input
//     for ow < col_lo and ow >= col_hi: 00's window
//     for ow in [col_lo, col_hi) step V: acc = init; for r in rows, k < kw:
//       acc = combine(acc, load or gather(V taps)); store V (or n) outputs
// Working set: kh input rows and one output row per step (a few KiB).
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): stride 1,
//   max:mb8ic32ih60kh2sh1, 27.2 GB/s, 49x interior_edge; stride 2 (gathers),
//   max:mb32ic32ih30kh2, 8.7 GB/s, 8.1x. Re-run:
//   build/release/convlab run --variant interior_edge,simd --shape max:mb8ic32ih60kh2sh1 --shape max:mb32ic32ih30kh2 --reps 5
#include "02_simd.hpp"

#include <memory>

#include "pool2d/kernel/simd_pool.hpp"

namespace convlab::pool2d {

SimdPoolPlan::SimdPoolPlan(const Pool2dParams& p, const PlanOptions& o, bool strided_windows)
    : PoolPlan(p, o), args_(kernel::whole_problem(p)) {
  args_.strided_windows = strided_windows;
}

std::string SimdPoolPlan::describe() const {
  return std::to_string(vector_floats(options().isa)) + " lanes (" + to_string(options().isa) + "), " +
         kernel::width_scheme(params().sw, args_.strided_windows);
}

void SimdPoolPlan::execute(const float* x, float* y) { pool_items(x, y, 0, args_.last_item); }

void SimdPoolPlan::pool_items(const float* x, float* y, int64_t first, int64_t last) const {
  kernel::Args a = args_;
  a.x = x, a.y = y;
  a.first_item = first, a.last_item = last;
  simd::dispatch(options().isa, kernel::PoolItems{}, a);
}

const PoolVariant& simd() {
  return ladder_step<SimdPoolStep<false>>("simd", "xsimd along the output width in 01's interior: contiguous loads at stride 1, gathers otherwise");
}

}  // namespace convlab::pool2d
