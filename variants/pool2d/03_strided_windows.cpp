// pool2d step 03 — strided windows: 02's kernel without gathers for strides
// 2 to 4, the strides CNN pools use (ResNet's stem pool, every 2x2/2 pool).
//
// What changed from 02_simd: one flag, Args::strided_windows, which switches
//   kernel/simd_pool.hpp from gathers to contiguous loads at sw = 2..4:
//   sw = 2: load 2V contiguous floats (two vectors) and split them into even
//           and odd lanes with two-source permutes (AVX-512 vpermt2ps; AVX2
//           vshufps + vpermpd; SSE shufps). The two taps of a 2-wide window
//           come from ONE pair: 2 loads + 2 permutes per window row, every
//           loaded float used;
//   sw = 3, 4: the window at every input column (02's stride-1 code), then
//           every sw-th result: sw times the arithmetic, contiguous loads.
//   Strides >= 5 keep 02's gathers (computing every column would waste sw x).
// Why (the bottleneck): a gather costs about one load per lane (vgatherdps),
//   so 02 runs the stride-2 pools of every CNN at a fraction of stride 1.
// Loop nest: 02's; only the tap loads change.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 29.8 GB/s on
//   the stride-2 max:mb32ic32ih30kh2, 3.4x simd's gathers (8.7). Re-run:
//   build/release/convlab run --variant simd,strided_windows --shape max:mb32ic32ih30kh2 --reps 5 --bandwidth
#include <memory>

#include "02_simd.hpp"

namespace convlab::pool2d {

const PoolVariant& strided_windows() {
  return ladder_step<SimdPoolStep<true>>("strided_windows", "02 with even/odd pair loads (stride 2) and every-column picks (3-4) instead of gathers");
}

}  // namespace convlab::pool2d
