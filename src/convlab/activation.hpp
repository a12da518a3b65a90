// ReLU, the activation between the seed CNN's convolutions and pools, as a
// vectorized core function (in place and out of place) and as the rule that
// pooling applies when it fuses a ReLU (Pool2dParams::relu, descriptor relu1).
//
// The rule, for every fp32 value v:
//   relu(v) = v    when v > 0 or v is NaN   (PyTorch's relu keeps NaN)
//           = +0   otherwise                (negatives, -inf, -0 and +0)
// One deliberate choice: PyTorch's clamp_min returns -0.0 for an input of
// -0.0; here every non-positive input gives +0. The two are equal as values
// (-0 == +0), and the choice makes ReLU commute with max pooling bit for bit:
// relu(max(window)) and max(relu(window)) hold the same bits even when the
// window mixes -0 and negatives (with -0 kept, max(relu(-3), relu(-0)) would be
// +0 but relu(max(-3, -0)) would be -0). For average pooling the fused ReLU is
// applied to the pooled value (avg then relu), which is not avg(relu(x)).
#pragma once

#include <span>

#include "convlab/isa.hpp"
#include "convlab/simd.hpp"

namespace convlab {

// The rule on one value, for baseline (non-SIMD) code: the reference, tests.
inline float relu(float v) noexcept { return v > 0.0f || v != v ? v : 0.0f; }

// out[i] = relu(in[i]). Sizes must match (convlab::Error naming "output");
// `out` may be `in` itself (same first element), not a partial overlap.
void relu(std::span<const float> in, std::span<float> out, Isa isa = default_isa());
// x[i] = relu(x[i]).
void relu_inplace(std::span<float> x, Isa isa = default_isa());
// The backward, from the forward's output y: dx[i] = dy[i] where y[i] > 0 (or
// NaN), else 0 (PyTorch's threshold_backward). dx may be dy itself.
void relu_backward(std::span<const float> y, std::span<const float> dy, std::span<float> dx);

namespace simd {

// The same rule for kernels compiled once per ISA. Templates on Arch, so that
// each ISA pass keeps its own copy (the ODR rule of simd.hpp).
// !(v <= 0) is "v > 0 or unordered": one compare for the whole rule.
template <class Arch>
floats<Arch> relu(floats<Arch> v) noexcept {
  const floats<Arch> zero(0.0f);
  return xsimd::select(!(v <= zero), v, zero);
}
template <class Arch>
float relu(Arch, float v) noexcept {
  return v > 0.0f || v != v ? v : 0.0f;
}

}  // namespace simd
}  // namespace convlab
