// The vectorized pooling kernel that pool2d steps 01_simd and 02_parallel
// share. It is defined once, in 01_simd.cpp (compiled once per ISA); 02 calls
// the same instantiations on its tiles, so the two steps differ only in how
// the work is split, never in what is computed.
//
// One call pools a range of work items. The output of plane p = n*ic + c is
// cut into tiles_per_plane tiles of rows_per_tile output rows (the last one
// shorter); item i is tile i % tiles_per_plane of plane i / tiles_per_plane.
// A tile never splits an output row and each output element is computed by
// the same code whatever the tiling, so any split gives identical bytes.
#pragma once

#include <cstdint>

#include "convlab/params.hpp"
#include "convlab/simd.hpp"

namespace convlab::pool2d::simd_kernel {

struct Args {  // plain data: it crosses the ISA dispatch
  const float* x = nullptr;
  float* y = nullptr;
  PoolAlg alg = PoolAlg::max;
  bool relu = false;
  int64_t ih = 0, iw = 0, oh = 0, ow = 0;
  int64_t kh = 0, kw = 0, sh = 0, sw = 0, ph = 0, pw = 0, dh = 0, dw = 0;
  int64_t tiles_per_plane = 1, rows_per_tile = 0;
  int64_t first_item = 0, last_item = 0;
};

// Shape fields from p; one tile per plane covering every item (buffers unset).
Args whole_problem(const Pool2dParams& p);

struct Kernel {
  template <class Arch>
  void operator()(Arch, const Args& args) const;
};

// How the output width is vectorized for a stride, in words (for describe()).
const char* width_scheme(int64_t stride_w);

}  // namespace convlab::pool2d::simd_kernel

CONVLAB_DECLARE_KERNEL(convlab::pool2d::simd_kernel::Kernel,
                       const convlab::pool2d::simd_kernel::Args&);
