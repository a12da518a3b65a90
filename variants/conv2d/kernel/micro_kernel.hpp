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

// The same tile over the channel-blocked layout of branch b4 (nChw{L}c): the
// L channels of a pixel are adjacent, so pixel p's tap k is
// offsets[k] + p * stride * L floats past x, and each accumulator is stored as
// it sits in its register, no transpose:
//   y[v * y_block + p * L + l] = bias[v*L + l] + sum_k w[k * V*L + v*L + l] * x[offsets[k] + p*stride*L]
// The taps are summed in the same order as micro_kernel's, so equal offsets
// tables give equal bits. `stride` (1 or 2) is compiled into the addresses;
// `vectors` 1 to 3.
using BlockedMicroKernel = void (*)(const float* x, const int64_t* offsets, int64_t K, const float* w,
                                    const float* bias, float* y, int64_t y_block);
BlockedMicroKernel blocked_micro_kernel(Isa isa, int vectors, int pixels, int stride);

// Branch b4's depthwise tile (groups = channels) over the same layout: P
// output pixels of one block of L channels, each pixel one vector and each
// lane its own channel's sum, the taps in (kh, kw) order as in b2 and b3:
//   y[p * L + l] = bias[l] + sum_k w[k * L + l] * x[offsets[k] + p*stride*L + l]
// pixels 1 .. L, stride 1 or 2.
using DepthwiseBlockedTile = void (*)(const float* x, const int64_t* offsets, int64_t K, const float* w,
                                      const float* bias, float* y);
DepthwiseBlockedTile depthwise_blocked_tile(Isa isa, int pixels, int stride);

}  // namespace convlab::conv2d::kernel
