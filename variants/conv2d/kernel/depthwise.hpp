// The depthwise row kernel (branch b2): output rows of one channel, the
// output pixels in the vector lanes. A depthwise filter has one input channel
// per output channel, so the micro-kernel's channel lanes would hold one
// useful channel in L; pixels fill every lane instead.
//
// For rows r < `rows` and pixels p < `pixels` it computes
//   y[r * y_step + p] = bias + sum_k w[k] * x[r * x_step + offsets[k] + p]
// with the taps k = (kh, kw) summed in order, so tap k of pixel p is
// offsets[k] + p floats past x: the input is PaddedInput's layout (padding
// and stride phases in place), so consecutive pixels read consecutive floats
// at every stride. It reads and writes nothing past each row's last pixel.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"
#include "convlab/params.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d::kernel {

using DepthwiseRows = void (*)(const float* x, const int64_t* offsets, int64_t K, const float* w, float bias,
                               float* y, int64_t pixels, int64_t rows, int64_t x_step, int64_t y_step);

// Whether a shape is depthwise (groups = input = output channels), the
// shapes b2 and b3 take; no with the reason.
Support depthwise_support(const Conv2dParams& p);

// The kernel compiled for `isa` (which the CPU must run).
DepthwiseRows depthwise_rows(Isa isa);

}  // namespace convlab::conv2d::kernel
