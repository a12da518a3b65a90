// Partial vectors for the SIMD kernels' row ends: the first `count` lanes of a
// vector loaded (the rest zero) or stored, count <= L, never touching memory
// past them. Arch-pass code only (see convlab/simd.hpp): templates on Arch.
#pragma once

#include <immintrin.h>

#include <type_traits>

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {

template <class Arch>
[[gnu::always_inline]] inline void store_first(float* dst, const simd::floats<Arch>& v, int count) {
  constexpr int L = simd::floats<Arch>::size;
  if (count == L) {
    v.store_unaligned(dst);
  } else if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    _mm512_mask_storeu_ps(dst, static_cast<__mmask16>((1u << count) - 1), v);
  } else if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(dst, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane), v);
  } else {
    alignas(64) float tmp[L];
    v.store_aligned(tmp);
    for (int i = 0; i < count; ++i) dst[i] = tmp[i];
  }
}

template <class Arch>
[[gnu::always_inline]] inline simd::floats<Arch> load_first(const float* src, int count) {
  using B = simd::floats<Arch>;
  constexpr int L = B::size;
  if (count == L) {
    return B::load_unaligned(src);
  } else if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), src);
  } else if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_maskload_ps(src, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane));
  } else {
    alignas(64) float tmp[L] = {};
    for (int i = 0; i < count; ++i) tmp[i] = src[i];
    return B::load_aligned(tmp);
  }
}

}  // namespace convlab::conv2d::kernel
