// The depthwise row kernel (depthwise.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
//
// Blocks of U = 4 vectors of pixels share each broadcast weight: U loads and
// U independent FMAs per tap, so 4 chains hide the FMA latency while loads,
// not FMAs, set the pace (1 load per FMA, from L1: the rows were just
// packed). A row's last vectors take 3, 2 or 1 registers, its last partial
// vector masked loads and stores. Rows of at most L pixels (14 x 14 and 7 x 7
// planes) would leave one chain per row, latency-bound: there the block's
// 4 vectors are the same pixels of 4 consecutive rows.
#include "conv2d/kernel/depthwise.hpp"

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {
struct DepthwiseLookUp {
  template <class Arch>
  void operator()(Arch, DepthwiseRows* found) const;
};
}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::DepthwiseLookUp, convlab::conv2d::kernel::DepthwiseRows*);

#if CONVLAB_ARCH_PASS

#include "conv2d/kernel/partial.hpp"

namespace convlab::conv2d::kernel {
namespace {

// U vectors, vector u at x + u*xs and y + u*ys: `count` pixels in each but
// the last, which holds `last` (<= L). A row's next vectors (xs = ys = L), or
// the same pixels of U consecutive short rows (xs, ys = the row steps).
template <class Arch, int U>
[[gnu::always_inline]] inline void pixel_block(const float* __restrict x, const int64_t* __restrict offsets,
                                               int64_t K, const float* __restrict w, float bias, float* y,
                                               int64_t xs, int64_t ys, int count, int last) {
  using B = simd::floats<Arch>;
  B acc[U];
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) acc[u] = B(bias);
  for (int64_t k = 0; k < K; ++k) {
    const B wk(w[k]);
    const float* xk = x + offsets[k];
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u)
      acc[u] = xsimd::fma(load_first<Arch>(xk + u * xs, u < U - 1 ? count : last), wk, acc[u]);
  }
#pragma GCC unroll 4
  for (int u = 0; u < U; ++u) store_first<Arch>(y + u * ys, acc[u], u < U - 1 ? count : last);
}

// pixel_block for a run-time count of 1 to 4 vectors: the row's last vectors,
// or the last rows of a plane of short rows.
template <class Arch>
[[gnu::always_inline]] inline void tail_block(int vectors, const float* x, const int64_t* offsets, int64_t K,
                                              const float* w, float bias, float* y, int64_t xs, int64_t ys,
                                              int count, int last) {
  switch (vectors) {
    case 1: return pixel_block<Arch, 1>(x, offsets, K, w, bias, y, xs, ys, count, last);
    case 2: return pixel_block<Arch, 2>(x, offsets, K, w, bias, y, xs, ys, count, last);
    case 3: return pixel_block<Arch, 3>(x, offsets, K, w, bias, y, xs, ys, count, last);
    case 4: return pixel_block<Arch, 4>(x, offsets, K, w, bias, y, xs, ys, count, last);
    default: return;
  }
}

template <class Arch>
void depthwise_rows(const float* __restrict x, const int64_t* __restrict offsets, int64_t K,
                    const float* __restrict w, float bias, float* y, int64_t pixels, int64_t rows, int64_t x_step,
                    int64_t y_step) {
  constexpr int64_t L = simd::floats<Arch>::size;
  if (pixels <= L) {  // short rows: the same pixels of 4 rows to a block
    const int n = static_cast<int>(pixels);
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4)
      pixel_block<Arch, 4>(x + r * x_step, offsets, K, w, bias, y + r * y_step, x_step, y_step, n, n);
    return tail_block<Arch>(static_cast<int>(rows - r), x + r * x_step, offsets, K, w, bias, y + r * y_step, x_step,
                            y_step, n, n);
  }
  for (int64_t r = 0; r < rows; ++r, x += x_step, y += y_step) {
    int64_t p = 0;
    for (; p + 4 * L <= pixels; p += 4 * L) pixel_block<Arch, 4>(x + p, offsets, K, w, bias, y + p, L, L, L, L);
    const int64_t left = pixels - p;
    const int vectors = static_cast<int>((left + L - 1) / L);
    tail_block<Arch>(vectors, x + p, offsets, K, w, bias, y + p, L, L, L, static_cast<int>(left - (vectors - 1) * L));
  }
}

}  // namespace
}  // namespace convlab::conv2d::kernel

template <class Arch>
void convlab::conv2d::kernel::DepthwiseLookUp::operator()(Arch, DepthwiseRows* found) const {
  *found = &depthwise_rows<Arch>;
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::DepthwiseLookUp, convlab::conv2d::kernel::DepthwiseRows*);

#else  // baseline pass

#include <fmt/core.h>

convlab::Support convlab::conv2d::kernel::depthwise_support(const Conv2dParams& p) {
  if (p.ic == p.g && p.oc == p.g) return Support::yes();
  return Support::no(fmt::format("depthwise only (groups = input = output channels); here g{} ic{} oc{}", p.g,
                                 p.ic, p.oc));
}

convlab::conv2d::kernel::DepthwiseRows convlab::conv2d::kernel::depthwise_rows(Isa isa) {
  DepthwiseRows found = nullptr;
  simd::dispatch(isa, DepthwiseLookUp{}, &found);
  return found;
}

#endif
