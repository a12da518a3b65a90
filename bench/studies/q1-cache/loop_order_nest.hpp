// The direct convolution as six loops whose order is a compile-time parameter.
//
// Dimensions (one letter each, as in the convolution literature):
//   k output channel   c input channel   p output row   q output column
//   r kernel row       s kernel column
// Body: y[k][p][q] += x[c][p*sh + r][q*sw + s] * w[k][c][r][s]   (NCHW / OIHW, batch 1)
//
// An order is a permutation of "kcpqrs", outermost first: the seed's loop
// nest is "kcpqrs" (for out_ch, for in_ch, for i, for j, then the kh x kw region).
// All 720 orders are instantiated so the study can measure every one of them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace convlab::study {

enum Dim : int { kK = 0, kC = 1, kP = 2, kQ = 3, kR = 4, kS = 5 };
inline constexpr char kDimLetters[] = "kcpqrs";

struct NestProblem {
  int64_t extent[6];  // trip counts of k c p q r s
  int64_t H, W;       // input plane
  int64_t sh, sw;     // stride
};

using NestFn = void (*)(const NestProblem&, const float* __restrict x, const float* __restrict w,
                        float* __restrict y);

// The 720 orders as strings ("kcpqrs", ...) and their functions, same index.
const std::array<std::string, 720>& all_orders();
NestFn nest_for(const std::string& order);  // nullptr for a string that is not a permutation of kcpqrs

}  // namespace convlab::study
