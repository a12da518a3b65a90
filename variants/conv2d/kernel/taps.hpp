// The plain C++ micro-kernel of steps 02 and 03: kTaps taps summed into an
// output row per load and store of it. GCC vectorizes the pixel loop on its
// own (4-wide SSE mulps/addps with the baseline -march=x86-64-v2).
#pragma once

#include <cstdint>

namespace convlab::conv2d::kernel {

inline constexpr int kTaps = 8;  // taps summed per load and store of an output element

// out[i] += sum over taps t < count (<= kTaps) of w[t] * x[offsets[t] + i], for i < pixels.
inline void accumulate_taps(float* __restrict out, int64_t pixels, const float* x,
                            const int64_t* offsets, const float* w, int count) {
  if (count == kTaps) {
    const float *__restrict i0 = x + offsets[0], *__restrict i1 = x + offsets[1],
                            *__restrict i2 = x + offsets[2], *__restrict i3 = x + offsets[3],
                            *__restrict i4 = x + offsets[4], *__restrict i5 = x + offsets[5],
                            *__restrict i6 = x + offsets[6], *__restrict i7 = x + offsets[7];
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7];
    for (int64_t i = 0; i < pixels; ++i)
      out[i] += w0 * i0[i] + w1 * i1[i] + w2 * i2[i] + w3 * i3[i] + w4 * i4[i] + w5 * i5[i] +
                w6 * i6[i] + w7 * i7[i];
    return;
  }
  for (int t = 0; t < count; ++t) {  // a reduction's last, partial group
    const float* __restrict in = x + offsets[t];
    for (int64_t i = 0; i < pixels; ++i) out[i] += w[t] * in[i];
  }
}

}  // namespace convlab::conv2d::kernel
