// The blocked depthwise kernel (branch b3): L channels of one image in the
// vector lanes, over a channel-blocked copy of their input.
//
// Rows of a 14 x 14 or 7 x 7 depthwise plane fill less than one vector, so
// b2's pixel lanes idle and every plane pays for its own call and copy. Here
// L planes are re-laid out together, pixel-major with the channels in the
// lanes (transposed in registers on the way in and out), and each output
// pixel is one vector: out[c] = bias[c] + sum_k w[c][k] * x[c][tap k], the
// taps summed in order for every lane, as in step 04 and b2.
#pragma once

#include <cstdint>

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {

struct BlockedArgs {
  const float* x;         // the block's first input plane (ih * iw floats each, planes adjacent)
  float* y;               // the block's first output plane (oh * ow floats each)
  const float* w;         // [K][L]: the block's weights, zero past `channels`
  const float* bias;      // [L]
  float* scratch;         // [band input rows * padded_w][L], left and right borders zero (never written here)
  const int64_t* taps;    // K offsets into scratch of tap k = (kh, kw) from an output pixel's origin
  int64_t K, channels;    // taps, and valid planes in the block (<= L)
  int64_t ih, iw, oh, ow, sh, sw, pt, pl, padded_w;  // pt, pl: padding before
  int64_t ekh, band;      // the kernel's reach in rows (dilated), and output rows per band
};

struct DepthwiseBlocked {
  template <class Arch>
  void operator()(Arch, const BlockedArgs& a) const;
};

}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::DepthwiseBlocked, const convlab::conv2d::kernel::BlockedArgs&);
