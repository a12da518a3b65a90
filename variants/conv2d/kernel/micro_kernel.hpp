// The SIMD micro-kernel of the conv2d ladder (step 04 and its branches): one
// tile of P output pixels x V*L output channels, the whole reduction of
// K = ic/g * kh * kw taps in P*V vector registers, from the bias to a
// transposed store into NCHW. The caller owns every loop around it.
//
// For pixels p < P and channels c < oc_valid (<= V*L) it computes
//   y[c * y_plane + p] = bias[c] + sum_k w[k * V*L + c] * x[offsets[k] + p]
// so tap k of the tile's pixel p is offsets[k] + p floats past x: the caller's
// input layout (padded, stride phases, an im2col panel) lives in the offsets.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"

namespace convlab::conv2d::kernel {

using MicroKernel = void (*)(const float* x, const int64_t* offsets, int64_t K, const float* w,
                             const float* bias, float* y, int64_t y_plane, int oc_valid);

// The kernel for tiles of `pixels` (1 .. tile_limits(isa).widest_pixels) by
// `vectors` (1 or 2) registers, compiled for `isa` (which the CPU must run).
MicroKernel micro_kernel(Isa isa, int vectors, int pixels);

}  // namespace convlab::conv2d::kernel
