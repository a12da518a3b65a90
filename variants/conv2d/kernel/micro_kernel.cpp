// The SIMD micro-kernel (micro_kernel.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
//
// Per tap it loads V weight vectors and broadcasts P input values, each
// broadcast feeding V fused multiply-adds: (V + P) loads per P*V FMAs (0.57 at
// AVX-512's 14 x 2), within what the load ports sustain beside two FMA ports,
// and P*V = 28 independent accumulators cover the FMA latency. Lanes hold
// output channels, not pixels: channel counts (16..64) fill every lane where a
// 13-wide row would not. The price is the store, an L x L transpose per block.
#include "conv2d/kernel/micro_kernel.hpp"

#include "conv2d/kernel/tiles.hpp"
#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {
struct LookUp {
  template <class Arch>
  void operator()(Arch, int vectors, int pixels, MicroKernel* found) const;
};
}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::LookUp, int, int, convlab::conv2d::kernel::MicroKernel*);

#if CONVLAB_ARCH_PASS

#include <immintrin.h>  // the transposes: every pass sees every declaration, uses only its own

#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace convlab::conv2d::kernel {
namespace {

template <class Arch>
using Vec = xsimd::batch<float, Arch>;

// Transposes L registers in place: r[i] lane j -> r[j] lane i.
template <class Arch>
[[gnu::always_inline]] inline void transpose(Vec<Arch>* r) {
  if constexpr (std::is_same_v<Arch, simd::Avx512>) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
      const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
      u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // Now quarter l (128 bits) of u[4q + m] holds rows 4q..4q+3 of column
    // 4l + m; two rounds of quarter shuffles move it to quarter q of r[4l + m].
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
      t[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xdd);
      t[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
      t[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; ++i) {
      r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
      r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
  } else if constexpr (std::is_same_v<Arch, simd::Avx2>) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    for (int i = 0; i < 4; ++i) {
      r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
      r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
  } else {
    __m128 a = r[0], b = r[1], c = r[2], d = r[3];
    _MM_TRANSPOSE4_PS(a, b, c, d);
    r[0] = a, r[1] = b, r[2] = c, r[3] = d;
  }
}

// Stores the first `count` lanes of v at dst (count <= L).
template <class Arch>
[[gnu::always_inline]] inline void store_first(float* dst, const Vec<Arch>& v, int count) {
  constexpr int L = Vec<Arch>::size;
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

// acc[p * V + v]: pixel p, channel vector v. Writes out[v*L + i][p] for the
// `oc_valid` real channels, P pixels per channel row, through L x L transposes.
template <class Arch, int V, int P>
[[gnu::always_inline]] inline void store_tile(Vec<Arch>* acc, float* y, int64_t y_plane, int oc_valid) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const int channels = std::min(L, oc_valid - v * L);
    if (channels <= 0) return;
#pragma GCC unroll 4
    for (int p0 = 0; p0 < P; p0 += L) {
      const int pixels = std::min(L, P - p0);
      B block[L];
#pragma GCC unroll 16
      for (int i = 0; i < L; ++i) block[i] = p0 + i < P ? acc[(p0 + i) * V + v] : B(0.0f);
      transpose<Arch>(block);
      float* out = y + static_cast<int64_t>(v * L) * y_plane + p0;
      for (int i = 0; i < channels; ++i) store_first<Arch>(out + i * y_plane, block[i], pixels);
    }
  }
}

// The micro-kernel: P pixels x V*L channels, the whole K-long reduction in registers.
template <class Arch, int V, int P>
void tile_kernel(const float* __restrict x, const int64_t* __restrict offsets, int64_t taps,
                 const float* __restrict w, const float* __restrict bias, float* y,
                 int64_t y_plane, int oc_valid) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
  B acc[P * V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const B b = B::load_aligned(bias + v * L);
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) acc[p * V + v] = b;
  }
  for (int64_t k = 0; k < taps; ++k) {
    const float* xk = x + offsets[k];
    B wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = B::load_aligned(w + v * L);
    w += V * L;
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) {
      const B xb(xk[p]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p * V + v] = xsimd::fma(xb, wv[v], acc[p * V + v]);
    }
  }
  store_tile<Arch, V, P>(acc, y, y_plane, oc_valid);
}

template <class Arch>
constexpr Isa kIsa = std::is_same_v<Arch, simd::Avx512> ? Isa::avx512
                     : std::is_same_v<Arch, simd::Avx2> ? Isa::avx2
                                                          : Isa::sse42;

// table<Arch, V>()[P - 1] = tile_kernel<Arch, V, P>, P up to the tile table's widest.
template <class Arch, int V, int... Ps>
const MicroKernel* table(std::integer_sequence<int, Ps...>) {
  static constexpr MicroKernel kernels[] = {&tile_kernel<Arch, V, Ps + 1>...};
  return kernels;
}
template <class Arch, int V>
const MicroKernel* table() {
  return table<Arch, V>(std::make_integer_sequence<int, tile_limits(kIsa<Arch>).widest_pixels[V - 1]>{});
}

}  // namespace
}  // namespace convlab::conv2d::kernel

template <class Arch>
void convlab::conv2d::kernel::LookUp::operator()(Arch, int vectors, int pixels, MicroKernel* found) const {
  if (vectors < 1 || vectors > 2 || pixels < 1 || pixels > tile_limits(kIsa<Arch>).widest_pixels[vectors - 1])
    throw std::logic_error("conv2d micro-kernel: no tile of that size for this ISA");
  *found = (vectors == 1 ? table<Arch, 1>() : table<Arch, 2>())[pixels - 1];
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::LookUp, int, int, convlab::conv2d::kernel::MicroKernel*);

#else  // baseline pass

convlab::conv2d::kernel::MicroKernel convlab::conv2d::kernel::micro_kernel(Isa isa, int vectors, int pixels) {
  MicroKernel found = nullptr;
  simd::dispatch(isa, LookUp{}, vectors, pixels, &found);
  return found;
}

#endif
