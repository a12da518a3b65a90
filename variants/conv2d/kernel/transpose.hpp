// An L x L register transpose for the SIMD kernels (the micro-kernel's
// transposed store, the blocked depthwise kernel's re-layout). Arch-pass code
// only (see convlab/simd.hpp): templates on Arch.
#pragma once

#include <immintrin.h>  // every pass sees every declaration, uses only its own

#include <type_traits>

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {

// One round of a register transpose: row i and row i + stride (i without the
// stride bit) become lo(a, b) and hi(a, b) in place.
template <int N, int Stride, class R, class Lo, class Hi>
[[gnu::always_inline]] inline void butterfly(R* r, Lo lo, Hi hi) {
#pragma GCC unroll 16
  for (int i = 0; i < N; ++i) {
    if (i & Stride) continue;
    const R a = r[i], b = r[i + Stride];
    r[i] = lo(a, b);
    r[i + Stride] = hi(a, b);
  }
}

// Transposes L registers in place: r[i] lane j -> r[j] lane i. Two rounds of
// interleaves transpose each 4 x 4 block of 128-bit lanes; then rounds that
// move whole 128-bit lanes (one on AVX2, two on AVX-512) place the blocks.
template <class Arch>
[[gnu::always_inline]] inline void transpose(simd::floats<Arch>* v) {
  using R = typename simd::floats<Arch>::register_type;
  constexpr int L = simd::floats<Arch>::size;
  R r[L];
  for (int i = 0; i < L; ++i) r[i] = v[i];
  auto lo = [](R a, R b) {
    if constexpr (L == 16) return _mm512_unpacklo_ps(a, b);
    else if constexpr (L == 8) return _mm256_unpacklo_ps(a, b);
    else return _mm_unpacklo_ps(a, b);
  };
  auto hi = [](R a, R b) {
    if constexpr (L == 16) return _mm512_unpackhi_ps(a, b);
    else if constexpr (L == 8) return _mm256_unpackhi_ps(a, b);
    else return _mm_unpackhi_ps(a, b);
  };
  butterfly<L, 2>(r, lo, hi);
  butterfly<L, 1>(r, lo, hi);
  if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    auto halves_lo = [](R a, R b) { return _mm256_permute2f128_ps(a, b, 0x20); };
    auto halves_hi = [](R a, R b) { return _mm256_permute2f128_ps(a, b, 0x31); };
    butterfly<L, 4>(r, halves_lo, halves_hi);
  } else if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    auto even_quarters = [](R a, R b) { return _mm512_shuffle_f32x4(a, b, 0x88); };
    auto odd_quarters = [](R a, R b) { return _mm512_shuffle_f32x4(a, b, 0xdd); };
    butterfly<L, 4>(r, even_quarters, odd_quarters);
    butterfly<L, 8>(r, even_quarters, odd_quarters);
  }
  for (int i = 0; i < L; ++i) v[i] = r[i];
}

}  // namespace convlab::conv2d::kernel
