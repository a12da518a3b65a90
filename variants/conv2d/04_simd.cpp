// conv2d step 04 — simd: an xsimd micro-kernel whose accumulators stay in
// registers for the whole reduction; AVX-512 / AVX2+FMA / SSE4.2 at run time.
// What changed from 03_cache_tiled: 02/03 leave vectorization to GCC (4-wide
//   SSE, non-fused) and their partial sums go through memory every 8 taps.
//   Here kernel/micro_kernel.hpp holds a tile of P pixels x V*L output
//   channels in P*V vector registers from the bias to the final store, across
//   all K = ic/g*kh*kw taps. The weights are repacked once (plan) into the
//   kernel's order (kernel/pack.hpp); the input keeps 02's padded, stride-phase
//   layout and tap-offset table. 03's cache tiles are dropped: the register
//   tile reuses each loaded input P*V-fold, so L2 feeds it (see 03's figure).
// Why (the bottleneck): 03 issues 4-wide non-fused arithmetic and a memory
//   operation per multiply-add pair; the FMA peak needs 2 full-width FMAs a
//   cycle and few loads per FMA, which only a register tile gives.
// Loop nest:
//   for n: pack x[n]; for group, for oh, for tile of P pixels in the row:
//     for oc block (V*L channels): micro-kernel (acc = bias; for k < K:
//       acc[p][v] += x[offset[k] + p] * w[block][k][v]; transpose, store)
// Tile (kernel/tiles.hpp, one table per ISA): V = 2 unless one vector wastes
//   fewer padded lanes; P the widest beside V weight vectors (AVX-512 16/14,
//   AVX2 12/6, SSE 8/4), evened out over the row in tiles of P and P - 1
//   (56 -> 4 x 14 on AVX-512; 6 x 6 + 4 x 5 on AVX2). Per tile:
//   V*L*K*4 bytes of weights (72 KiB at K = 576, from L2) and P+kw-1 columns
//   of every input channel's ekh rows, reused by the next oc block from L1.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 204 GFLOP/s on
//   mb1ic64ih56oc64kh3ph1, 92 % of the 221 GFLOP/s FMA peak, 7.0x cache_tiled:
//   build/release/convlab run --variant cache_tiled,simd --shape mb1ic64ih56oc64kh3ph1 --reps 5 --peak
#include "04_simd.hpp"

#include <algorithm>
#include <fmt/core.h>
#include <memory>

#include "conv2d/kernel/tiles.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

SimdConv::SimdConv(const Conv2dParams& p, const float* weights, const float* bias, Isa isa, int64_t slots)
    : p_(p),
      oh_(p.oh()),
      ow_(p.ow()),
      ocg_(p.ocg()),
      isa_(isa),
      weights_(p, weights, bias, isa),
      input_(p, slots),
      tiles_(kernel::row_tiles(isa, weights_.vectors, p.ow())),
      wide_tile_(kernel::micro_kernel(isa, weights_.vectors, tiles_.pixels)),
      narrow_tile_(tiles_.pixels > 1 ? kernel::micro_kernel(isa, weights_.vectors, tiles_.pixels - 1) : nullptr) {}

void SimdConv::rows(const float* image, float* y, int64_t n, int64_t g, int64_t oh0, int64_t oh1, int64_t b0,
                    int64_t b1) const {
  // Locals, not members: the kernel is called through a pointer, so the
  // compiler would reload every member after each call.
  const int64_t OW = ow_, plane = oh_ * OW, block = weights_.block, ocg = ocg_, K = weights_.taps;
  const int64_t P = tiles_.pixels, wide = tiles_.wide, row_step = input_.row_origin(1);
  const kernel::MicroKernel wide_tile = wide_tile_, narrow_tile = narrow_tile_;
  const int64_t* offsets = input_.tap_offsets();
  const float* planes = image + g * input_.group_floats();
  const float* w = weights_.block_weights(g, 0);
  const float* bias = weights_.block_bias(g, 0);
  float* out = y + (n * p_.oc + g * ocg) * plane;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t i = 0, t0 = 0; t0 < OW; t0 += i++ < wide ? P : P - 1) {
      const kernel::MicroKernel tile = i < wide ? wide_tile : narrow_tile;
      for (int64_t b = b0; b < b1; ++b)
        tile(planes + oh * row_step + t0, offsets, K, w + b * K * block, bias + b * block,
             out + b * block * plane + oh * OW + t0, plane, static_cast<int>(std::min(block, ocg - b * block)));
    }
}

void SimdConv::run(const float* x, float* y) {
  for (int64_t n = 0; n < p_.mb; ++n) {
    const float* image = input_.prepare(x, n, 0);  // one image at a time, so it is still in cache
    for (int64_t g = 0; g < p_.g; ++g) rows(image, y, n, g, 0, oh_, 0, weights_.oc_blocks);
  }
}

std::string SimdConv::describe() const {
  return fmt::format("{}: tile {} px x {} oc, {} oc block(s)/group, input {}", to_string(isa_), tiles_.pixels,
                     weights_.block, weights_.oc_blocks,
                     input_.copies() ? "packed (padding/stride phases)" : "read in place");
}

const ConvVariant& simd() {
  return ladder_step<SimdPlan>("simd", "xsimd micro-kernel: P pixels x 32 channels in registers over the whole reduction; AVX-512/AVX2/SSE");
}

}  // namespace convlab::conv2d
