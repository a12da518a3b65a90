// Deterministic test data. Integer-valued data makes exact comparison
// possible (see compare.hpp); real-valued data exercises rounding.
#pragma once

#include <cstdint>
#include <span>

#include "convlab/compare.hpp"
#include "convlab/params.hpp"
#include "convlab/tensor.hpp"

namespace convlab {

// Uniform integers in [-range, range], as floats.
void fill_integers(std::span<float> out, int range, uint64_t seed);
// Uniform reals in [-1, 1).
void fill_reals(std::span<float> out, uint64_t seed);

// The largest integer range R (at most 4) such that any partial sum of a
// conv2d output, |b| + sum |x*w| <= R^2 * (K + 1), stays below 2^24.
int exact_integer_range(const Conv2dParams& p);

struct ConvData {
  Tensor input, weights, bias;  // bias is empty when p.bias is false
};
ConvData make_conv2d_data(const Conv2dParams& p, DataMode mode, uint64_t seed);
Tensor make_pool2d_input(const Pool2dParams& p, DataMode mode, uint64_t seed);

}  // namespace convlab
