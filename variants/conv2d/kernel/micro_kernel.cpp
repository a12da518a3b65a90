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
struct LookUpBlocked {
  template <class Arch>
  void operator()(Arch, int vectors, int pixels, int stride, BlockedMicroKernel* found) const;
};
struct LookUpDepthwise {
  template <class Arch>
  void operator()(Arch, int pixels, int stride, DepthwiseBlockedTile* found) const;
};
}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::LookUp, int, int, convlab::conv2d::kernel::MicroKernel*);
CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::LookUpBlocked, int, int, int,
                       convlab::conv2d::kernel::BlockedMicroKernel*);
CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::LookUpDepthwise, int, int,
                       convlab::conv2d::kernel::DepthwiseBlockedTile*);

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

// The reduction: acc = bias, then for each tap k one FMA per accumulator.
// Pixel p of tap k sits `PixelStride` * p floats past x + offsets[k].
template <class Arch, int V, int P, int PixelStride>
[[gnu::always_inline]] inline void accumulate(Vec<Arch>* acc, const float* __restrict x,
                                              const int64_t* __restrict offsets, int64_t taps,
                                              const float* __restrict w, const float* __restrict bias) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
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
      const B xb(xk[p * PixelStride]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p * V + v] = xsimd::fma(xb, wv[v], acc[p * V + v]);
    }
  }
}

// The micro-kernel: P pixels x V*L channels, the whole K-long reduction in registers.
template <class Arch, int V, int P>
void tile_kernel(const float* __restrict x, const int64_t* __restrict offsets, int64_t taps,
                 const float* __restrict w, const float* __restrict bias, float* y,
                 int64_t y_plane, int oc_valid) {
  Vec<Arch> acc[P * V];
  accumulate<Arch, V, P, 1>(acc, x, offsets, taps, w, bias);
  store_tile<Arch, V, P>(acc, y, y_plane, oc_valid);
}

// The blocked layout's micro-kernel: pixels Stride * L floats apart, each
// accumulator one L-channel vector of one output pixel, stored in place.
template <class Arch, int V, int P, int Stride>
void blocked_tile_kernel(const float* __restrict x, const int64_t* __restrict offsets, int64_t taps,
                         const float* __restrict w, const float* __restrict bias, float* __restrict y,
                         int64_t y_block) {
  constexpr int L = Vec<Arch>::size;
  Vec<Arch> acc[P * V];
  accumulate<Arch, V, P, Stride * L>(acc, x, offsets, taps, w, bias);
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v)
#pragma GCC unroll 32
    for (int p = 0; p < P; ++p) acc[p * V + v].store_unaligned(y + v * y_block + p * L);
}

// Depthwise over the blocked layout: no broadcast, each tap one vector load
// per pixel; the P accumulators hide the FMA latency, one weight load per tap.
template <class Arch, int P, int Stride>
void depthwise_tile(const float* __restrict x, const int64_t* __restrict offsets, int64_t taps,
                    const float* __restrict w, const float* __restrict bias, float* __restrict y) {
  using B = Vec<Arch>;
  constexpr int L = B::size;
  B acc[P];
  const B b = B::load_aligned(bias);
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p] = b;
  for (int64_t k = 0; k < taps; ++k) {
    const B wk = B::load_aligned(w + k * L);
    const float* xk = x + offsets[k];
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[p] = xsimd::fma(B::load_unaligned(xk + p * Stride * L), wk, acc[p]);
  }
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) acc[p].store_unaligned(y + p * L);
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

template <class Arch, int Stride, int... Ps>
const DepthwiseBlockedTile* depthwise_table(std::integer_sequence<int, Ps...>) {
  static constexpr DepthwiseBlockedTile kernels[] = {&depthwise_tile<Arch, Ps + 1, Stride>...};
  return kernels;
}

template <class Arch, int V, int Stride, int... Ps>
const BlockedMicroKernel* blocked_table(std::integer_sequence<int, Ps...>) {
  static constexpr BlockedMicroKernel kernels[] = {&blocked_tile_kernel<Arch, V, Ps + 1, Stride>...};
  return kernels;
}
template <class Arch, int V, int Stride>
const BlockedMicroKernel* blocked_table() {
  return blocked_table<Arch, V, Stride>(
      std::make_integer_sequence<int, tile_limits(kIsa<Arch>).widest_pixels[V - 1]>{});
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

template <class Arch>
void convlab::conv2d::kernel::LookUpBlocked::operator()(Arch, int vectors, int pixels, int stride,
                                                        BlockedMicroKernel* found) const {
  if (vectors < 1 || vectors > 3 || pixels < 1 || pixels > tile_limits(kIsa<Arch>).widest_pixels[vectors - 1] ||
      stride < 1 || stride > 2)
    throw std::logic_error("conv2d blocked micro-kernel: no tile of that size or stride for this ISA");
  const BlockedMicroKernel* kernels =
      vectors == 1   ? (stride == 1 ? blocked_table<Arch, 1, 1>() : blocked_table<Arch, 1, 2>())
      : vectors == 2 ? (stride == 1 ? blocked_table<Arch, 2, 1>() : blocked_table<Arch, 2, 2>())
                     : (stride == 1 ? blocked_table<Arch, 3, 1>() : blocked_table<Arch, 3, 2>());
  *found = kernels[pixels - 1];
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::LookUpBlocked, int, int, int,
                      convlab::conv2d::kernel::BlockedMicroKernel*);

template <class Arch>
void convlab::conv2d::kernel::LookUpDepthwise::operator()(Arch, int pixels, int stride,
                                                          DepthwiseBlockedTile* found) const {
  constexpr int L = Vec<Arch>::size;
  if (pixels < 1 || pixels > L || stride < 1 || stride > 2)
    throw std::logic_error("conv2d depthwise blocked tile: no tile of that width or stride");
  using Ps = std::make_integer_sequence<int, L>;
  *found = (stride == 1 ? depthwise_table<Arch, 1>(Ps{}) : depthwise_table<Arch, 2>(Ps{}))[pixels - 1];
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::LookUpDepthwise, int, int,
                      convlab::conv2d::kernel::DepthwiseBlockedTile*);

#else  // baseline pass

convlab::conv2d::kernel::MicroKernel convlab::conv2d::kernel::micro_kernel(Isa isa, int vectors, int pixels) {
  MicroKernel found = nullptr;
  simd::dispatch(isa, LookUp{}, vectors, pixels, &found);
  return found;
}

convlab::conv2d::kernel::BlockedMicroKernel convlab::conv2d::kernel::blocked_micro_kernel(Isa isa, int vectors,
                                                                                        int pixels, int stride) {
  BlockedMicroKernel found = nullptr;
  simd::dispatch(isa, LookUpBlocked{}, vectors, pixels, stride, &found);
  return found;
}

convlab::conv2d::kernel::DepthwiseBlockedTile convlab::conv2d::kernel::depthwise_blocked_tile(Isa isa, int pixels,
                                                                                            int stride) {
  DepthwiseBlockedTile found = nullptr;
  simd::dispatch(isa, LookUpDepthwise{}, pixels, stride, &found);
  return found;
}

#endif
