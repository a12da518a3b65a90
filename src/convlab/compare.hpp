// The comparison rules, all in this one file.
//
// exact   (integer-valued inputs): every element must equal the reference.
//         Inputs are small integers chosen so that every partial sum of every
//         summation order is an integer below 2^24, hence exact in fp32: any
//         difference is an indexing bug, never rounding.
// bounded (random real inputs, conv2d only): per element
//             |y - ref| <= kConvBoundFactor * eps * K * S + kTiny
//         eps = 2^-23 (FLT_EPSILON), K = reduction length (ic/g*kh*kw),
//         S = |bias| + sum |x*w| for that element (reference_conv2d's abs_sum).
//         Why kConvBoundFactor = 2: any summation order of K products plus the
//         bias errs by at most gamma_{K+1} * S = (K+1)u/(1-(K+1)u) * S with
//         u = eps/2 (Higham, Accuracy and Stability, sec. 3.1; a fused
//         multiply-add only removes roundings), and rounding the double
//         reference to fp32 adds u*S. 2*eps*K*S = 4uK*S covers (K+2)u/(1-(K+1)u)*S
//         for every K >= 1 up to K ~ 10^6. A Winograd or FFT variant would need
//         its own, larger rule; none exists.
// pool2d: always exact, real or integer inputs (the reference fixes the fp32
//         order; see reference.hpp).
// NaN:    the output must be NaN exactly where the reference is NaN.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "convlab/params.hpp"

namespace convlab {

enum class DataMode { exact, bounded };
const char* to_string(DataMode m);  // "exact" / "bounded"

inline constexpr double kConvBoundFactor = 2.0;
inline constexpr double kTiny = 1e-30;  // lets an all-zero element compare at 0 error

struct Verdict {
  bool pass = true;
  double max_error = 0.0;  // largest |y - ref| (inf on a NaN mismatch)
  double bound = 0.0;      // the allowed error at that element (0 when exact)
  int64_t failures = 0;    // elements out of bound
  std::string detail;      // the first failing element, readable
};

Verdict compare_exact(std::span<const float> got, std::span<const float> ref);
Verdict compare_conv2d(const Conv2dParams& p, DataMode mode, std::span<const float> got,
                       std::span<const float> ref, std::span<const double> abs_sum);
// Exact, and a zero's sign must match too.
Verdict compare_pool2d(std::span<const float> got, std::span<const float> ref);
// idx1's argmax indices, exactly.
Verdict compare_indices(std::span<const int64_t> got, std::span<const int64_t> ref);

}  // namespace convlab

namespace convlab {
// The backward pass (conv_backward.cpp): compare_conv2d's rule with the
// reduction length of the gradient at hand, K = oc/g*kh*kw for dx and
// K = mb*oh*ow for dw and db; abs_sum from reference_conv2d_bwd_*.
Verdict compare_reduction(DataMode mode, std::span<const float> got, std::span<const float> ref,
                          std::span<const double> abs_sum, int64_t reduction_length);
}  // namespace convlab
