// The arch-pass loops behind relayout.hpp, for kernels that re-lay out inside
// their own pass (b3's band copy). Templates on Arch only (see convlab/simd.hpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d/kernel/partial.hpp"
#include "conv2d/kernel/transpose.hpp"

namespace convlab::conv2d::kernel {

// Row r of `channels` planes (src + j * plane + r * row), `cols` wide, into
// pixel vectors dst + r * dst_row + q * L; lanes past `channels` are zero.
template <class Arch>
[[gnu::always_inline]] inline void planes_to_pixels(const float* src, int64_t plane, int64_t row, int channels,
                                                    int64_t rows, int64_t cols, float* dst, int64_t dst_row) {
  using B = simd::floats<Arch>;
  constexpr int L = B::size;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c0 = 0; c0 < cols; c0 += L) {
      const int count = static_cast<int>(std::min<int64_t>(L, cols - c0));
      B block[L];
      for (int j = 0; j < L; ++j)
        block[j] = j < channels ? load_first<Arch>(src + j * plane + r * row + c0, count) : B(0.0f);
      transpose<Arch>(block);
      for (int q = 0; q < count; ++q) block[q].store_unaligned(dst + r * dst_row + (c0 + q) * L);
    }
}

// The inverse: pixel vectors src + r * src_row + q * L back into the first
// `channels` planes, dst + j * plane + r * row.
template <class Arch>
[[gnu::always_inline]] inline void pixels_to_planes(const float* src, int64_t src_row, int channels, int64_t rows,
                                                    int64_t cols, float* dst, int64_t plane, int64_t row) {
  using B = simd::floats<Arch>;
  constexpr int L = B::size;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c0 = 0; c0 < cols; c0 += L) {
      const int count = static_cast<int>(std::min<int64_t>(L, cols - c0));
      B block[L];
      for (int q = 0; q < L; ++q) block[q] = q < count ? B::load_unaligned(src + r * src_row + (c0 + q) * L) : B(0.0f);
      transpose<Arch>(block);
      for (int j = 0; j < channels; ++j) store_first<Arch>(dst + j * plane + r * row + c0, block[j], count);
    }
}

}  // namespace convlab::conv2d::kernel
