// The oracle. Written for obviousness, never for speed, and never optimized:
// it is the definition's loop nest, one output element at a time.
//
// conv2d: products and sums in double, rounded to fp32 once at the end.
// pool2d: defined in fp32 on purpose, because the order is part of the
//   contract that lets every pooling variant be compared exactly:
//   max  = PyTorch's scan (a NaN anywhere in the window makes the output NaN,
//          padding is -inf, dilation skips input pixels); with idx1 the index
//          h*iw + w of the first maximum, or of the last NaN (PyTorch's
//          return_indices);
//   avg  = fp32 sum over the window clipped to the input, in row-major order,
//          then ONE fp32 division by PyTorch's divisor (count_include_pad
//          counts the window clipped to the padded input, ceil_mode windows
//          that overhang it are clipped; divN overrides it), and a quotient
//          of -0 is +0, as PyTorch returns (avg_quotient). An empty window
//          gives 0 (PyTorch).
//   relu1 = relu (activation.hpp) of the pooled value.
#pragma once

#include <cstdint>
#include <span>

#include "convlab/params.hpp"

namespace convlab {

// abs_sum, when not empty, receives per output element |b| + sum |x*w| over
// the taps that touch the input: the scale of the rounding-error bound.
void reference_conv2d(const Conv2dParams& p, std::span<const float> input,
                      std::span<const float> weights, std::span<const float> bias,
                      std::span<float> output, std::span<double> abs_sum = {});

// indices: output_elems() int64 when p.indices, otherwise empty.
void reference_pool2d(const Pool2dParams& p, std::span<const float> input,
                      std::span<float> output, std::span<int64_t> indices = {});

}  // namespace convlab
