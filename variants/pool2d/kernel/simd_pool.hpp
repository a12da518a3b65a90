// The vectorized pooling kernel of steps 02 to 04: V output columns at once
// (V = 16 / 8 / 4 lanes on AVX-512 / AVX2 / SSE4.2), the reference's scalar
// formula only where a window leaves the input (window.hpp). One call pools
// the items [first_item, last_item) of Args; the steps own how items are cut
// and shared out.
//
// Stride along the width: output lane l of tap k reads column
// (j + l)*sw - pw + k*(dw+1), so the lanes are sw floats apart.
//   sw = 1    one contiguous (unaligned) load per tap;
//   sw = 2    (strided_windows) two contiguous loads split into even and odd
//             lanes: the two taps of a 2-wide window come from one pair;
//   sw = 3, 4 (strided_windows) the window at every input column, then every
//             sw-th result: sw times the arithmetic, contiguous loads;
//   otherwise hardware gathers (vgatherdps; lane inserts on SSE).
// The last block of a row may have n < V lanes: masked loads and stores
// (AVX-512, AVX2) or a small buffer (SSE). Dense 2- and 3-wide kernels get a
// compile-time tap count. The kernel prefetches kPrefetchAhead bytes ahead of
// its input stream: one core alone keeps too few misses in flight for DRAM.
#pragma once

#include <cstdint>

#include "convlab/simd.hpp"
#include "pool2d/kernel/window.hpp"

namespace convlab::pool2d::kernel {

struct PoolItems {
  template <class Arch>
  void operator()(Arch, const Args& args) const;
};

// How the output width is vectorized, in words (for describe()).
const char* width_scheme(int64_t stride_w, bool strided_windows);

}  // namespace convlab::pool2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::pool2d::kernel::PoolItems, const convlab::pool2d::kernel::Args&);
