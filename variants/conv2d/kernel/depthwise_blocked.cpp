// The blocked depthwise kernel (depthwise_blocked.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
//
// Band by band of output rows (the band's input rows kept in L2), in: per
// input row, L columns of the block's L planes are L loads, one transpose
// and L stores of pixel vectors. Compute: L output pixels at a time, L accumulators (16 of 32 zmm, 8 of 16 ymm) fed by one weight vector
// per tap, so K weight loads serve L*K FMAs. Out: one transpose and a masked
// row store per plane for every L output pixels.
#include "conv2d/kernel/depthwise_blocked.hpp"

#if CONVLAB_ARCH_PASS

#include <algorithm>

#include "conv2d/kernel/partial.hpp"
#include "conv2d/kernel/relayout_arch.hpp"
#include "conv2d/kernel/transpose.hpp"

template <class Arch>
void convlab::conv2d::kernel::DepthwiseBlocked::operator()(Arch, const BlockedArgs& a) const {
  using B = simd::floats<Arch>;
  constexpr int L = B::size;
  const int64_t in_plane = a.ih * a.iw, out_plane = a.oh * a.ow, row_floats = a.padded_w * L;
  const int channels = static_cast<int>(a.channels);
  const B bias = B::load_unaligned(a.bias);
  for (int64_t oh0 = 0; oh0 < a.oh; oh0 += a.band) {
    const int64_t oh1 = std::min(a.oh, oh0 + a.band);
    // Padded input rows [r0, r1) feed output rows [oh0, oh1); scratch row 0 is r0.
    const int64_t r0 = oh0 * a.sh, r1 = (oh1 - 1) * a.sh + a.ekh;
    for (int64_t r = r0; r < r1; ++r) {
      float* row = a.scratch + (r - r0) * row_floats;
      const int64_t i = r - a.pt;  // input row
      if (i < 0 || i >= a.ih) {    // padding: an earlier band may have left data here
        for (int64_t f = 0; f < row_floats; f += L) B(0.0f).store_unaligned(row + f);
        continue;
      }
      planes_to_pixels<Arch>(a.x + i * a.iw, in_plane, a.iw, channels, 1, a.iw, row + a.pl * L, row_floats);
    }
    int64_t oh = oh0, ow = 0;  // the next pixel's coordinates, stepped rather than divided
    for (int64_t p0 = oh0 * a.ow; p0 < oh1 * a.ow; p0 += L) {
      const int count = static_cast<int>(std::min<int64_t>(L, oh1 * a.ow - p0));
      int64_t origin[L];
      for (int q = 0; q < L; ++q) {
        origin[q] = ((oh - oh0) * a.sh * a.padded_w + ow * a.sw) * L;
        if (q + 1 < count && ++ow == a.ow) ow = 0, ++oh;  // past the tail: repeat the last pixel
      }
      if (++ow == a.ow) ow = 0, ++oh;
      B acc[L];
#pragma GCC unroll 16
      for (int q = 0; q < L; ++q) acc[q] = bias;
      for (int64_t k = 0; k < a.K; ++k) {
        const B wk = B::load_unaligned(a.w + k * L);
        const float* xk = a.scratch + a.taps[k];
#pragma GCC unroll 16
        for (int q = 0; q < L; ++q) acc[q] = xsimd::fma(B::load_unaligned(xk + origin[q]), wk, acc[q]);
      }
      transpose<Arch>(acc);
      for (int j = 0; j < channels; ++j) store_first<Arch>(a.y + j * out_plane + p0, acc[j], count);
    }
  }
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::DepthwiseBlocked, const convlab::conv2d::kernel::BlockedArgs&);

#endif
