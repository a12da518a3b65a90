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

#include "conv2d/kernel/partial.hpp"
#include "conv2d/kernel/transpose.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace convlab::conv2d::kernel {
namespace {

template <class Arch>
using Vec = xsimd::batch<float, Arch>;

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
