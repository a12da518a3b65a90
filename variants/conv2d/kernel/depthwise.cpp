// The depthwise row kernel (depthwise.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
//
// Blocks of U = 4 vectors of pixels share each broadcast weight: U loads and
// U independent FMAs per tap, so 4 chains (x2 for a second block in flight)
// hide the FMA latency while loads, not FMAs, set the pace (1 load per FMA,
// from L1: the row's window of K taps was just packed). The row's last
// vectors take 3, 2 or 1 registers, and its last partial vector masked
// loads and stores.
#include "conv2d/kernel/depthwise.hpp"

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {
struct DepthwiseLookUp {
  template <class Arch>
  void operator()(Arch, DepthwiseRow* found) const;
};
}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::DepthwiseLookUp, convlab::conv2d::kernel::DepthwiseRow*);

#if CONVLAB_ARCH_PASS

#include "conv2d/kernel/partial.hpp"

namespace convlab::conv2d::kernel {
namespace {

// U vectors of pixels from p; the last one holds `last` pixels (<= L).
template <class Arch, int U>
[[gnu::always_inline]] inline void pixel_block(const float* __restrict x, const int64_t* __restrict offsets,
                                               int64_t K, const float* __restrict w, float bias, float* y,
                                               int64_t p, int last) {
  using B = simd::floats<Arch>;
  constexpr int L = B::size;
  B acc[U];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) acc[u] = B(bias);
  for (int64_t k = 0; k < K; ++k) {
    const B wk(w[k]);
    const float* xk = x + offsets[k] + p;
#pragma GCC unroll 4
    for (int u = 0; u < U - 1; ++u) acc[u] = xsimd::fma(B::load_unaligned(xk + u * L), wk, acc[u]);
    acc[U - 1] = xsimd::fma(load_first<Arch>(xk + (U - 1) * L, last), wk, acc[U - 1]);
  }
#pragma GCC unroll 4
  for (int u = 0; u < U - 1; ++u) acc[u].store_unaligned(y + p + u * L);
  store_first<Arch>(y + p + (U - 1) * L, acc[U - 1], last);
}

template <class Arch>
void depthwise_row(const float* __restrict x, const int64_t* __restrict offsets, int64_t K,
                   const float* __restrict w, float bias, float* y, int64_t pixels) {
  constexpr int64_t L = simd::floats<Arch>::size;
  int64_t p = 0;
  for (; p + 4 * L <= pixels; p += 4 * L) pixel_block<Arch, 4>(x, offsets, K, w, bias, y, p, L);
  const int64_t left = pixels - p;
  if (left == 0) return;
  const int vectors = static_cast<int>((left + L - 1) / L);
  const int last = static_cast<int>(left - (vectors - 1) * L);
  if (vectors == 1) pixel_block<Arch, 1>(x, offsets, K, w, bias, y, p, last);
  else if (vectors == 2) pixel_block<Arch, 2>(x, offsets, K, w, bias, y, p, last);
  else if (vectors == 3) pixel_block<Arch, 3>(x, offsets, K, w, bias, y, p, last);
  else pixel_block<Arch, 4>(x, offsets, K, w, bias, y, p, last);
}

}  // namespace
}  // namespace convlab::conv2d::kernel

template <class Arch>
void convlab::conv2d::kernel::DepthwiseLookUp::operator()(Arch, DepthwiseRow* found) const {
  *found = &depthwise_row<Arch>;
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::DepthwiseLookUp, convlab::conv2d::kernel::DepthwiseRow*);

#else  // baseline pass

convlab::conv2d::kernel::DepthwiseRow convlab::conv2d::kernel::depthwise_row(Isa isa) {
  DepthwiseRow found = nullptr;
  simd::dispatch(isa, DepthwiseLookUp{}, &found);
  return found;
}

#endif
