// The depthwise row kernel (branch b2): one output row of one channel, the
// output pixels in the vector lanes. A depthwise filter has one input channel
// per output channel, so the micro-kernel's channel lanes would hold one
// useful channel in L; pixels fill every lane instead.
//
// For pixels p < `pixels` it computes
//   y[p] = bias + sum_k w[k] * x[offsets[k] + p]
// with the taps k = (kh, kw) summed in order, so tap k of pixel p is
// offsets[k] + p floats past x: the input is PaddedInput's layout (padding
// and stride phases in place), so consecutive pixels read consecutive floats
// at every stride. It reads and writes nothing past the row's last pixel.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"

namespace convlab::conv2d::kernel {

using DepthwiseRow = void (*)(const float* x, const int64_t* offsets, int64_t K, const float* w, float bias,
                              float* y, int64_t pixels);

// The kernel compiled for `isa` (which the CPU must run).
DepthwiseRow depthwise_row(Isa isa);

}  // namespace convlab::conv2d::kernel
